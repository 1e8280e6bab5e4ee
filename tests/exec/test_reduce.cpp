#include "fabtwin/exec/compact.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

/// Serial sum in long double: the independent reference for the parallel reductions.
template <class T>
long double serial_sum(const std::vector<T>& values) {
  long double sum = 0;
  for (T v : values) sum += v;
  return sum;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("sum, min and max agree with serial reductions", "[exec][reduce]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // Sizes around the host chunk (4096) and lane (8) boundaries, and a prime.
  for (index_t n : {1, 7, 8, 17, 4095, 4096, 4097, 100003}) {
    const auto values = test::random_values<T>(n, std::uint64_t(n));
    const auto field = test::field_with<S>(Grid(n, 1, 1.0), values);
    const long double exact = serial_sum(values);
    long double magnitude = 0;
    for (T v : values) magnitude += std::abs(v);
    // Any summation order is within n * eps * sum|v| of the exact sum.
    const double bound = double(n) * std::numeric_limits<T>::epsilon() * double(magnitude);
    CHECK(std::abs(double(sum(ctx, field.view())) - double(exact)) <= bound);
    CHECK(max(ctx, field.view()) == *std::max_element(values.begin(), values.end()));
    CHECK(min(ctx, field.view()) == *std::min_element(values.begin(), values.end()));
  }
}

TEMPLATE_LIST_TEST_CASE("dot conjugates its first argument", "[exec][reduce]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(129, 65, 1.0);
  const auto a = test::random_values<complex<T>>(grid.size(), 1);
  const auto b = test::random_values<complex<T>>(grid.size(), 2);
  std::complex<long double> exact = 0;
  long double magnitude = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::complex<long double> ai(a[i].real(), a[i].imag()), bi(b[i].real(), b[i].imag());
    exact += std::conj(ai) * bi;
    magnitude += std::abs(ai) * std::abs(bi);
  }
  const auto fa = test::field_with<S>(grid, a), fb = test::field_with<S>(grid, b);
  const complex<T> result = dot(ctx, fa.view(), fb.view());
  const double bound =
      4.0 * double(grid.size()) * std::numeric_limits<T>::epsilon() * double(magnitude);
  CHECK(std::abs(double(result.real()) - double(exact.real())) <= bound);
  CHECK(std::abs(double(result.imag()) - double(exact.imag())) <= bound);

  // <a, a> is real and equals the squared norm.
  const complex<T> norm2 = dot(ctx, fa.view(), fa.view());
  CHECK(norm2.imag() == T(0));

  const auto ra = test::random_values<T>(grid.size(), 5);
  const auto fra = test::field_with<S>(grid, ra);
  long double exact_real = 0;
  for (T v : ra) exact_real += (long double)v * v;
  CHECK(std::abs(double(dot(ctx, fra.view(), fra.view())) - double(exact_real)) <=
        double(grid.size()) * std::numeric_limits<T>::epsilon() * double(exact_real));

  const Field<complex<T>, S> other(Grid(129, 64, 1.0));
  REQUIRE_THROWS_AS(dot(ctx, fa.view(), other.view()), shape_mismatch);
}

TEMPLATE_LIST_TEST_CASE("max and min propagate NaN; empty reductions", "[exec][reduce][errors]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  auto values = test::random_values<T>(10000, 11);
  values[6001] = std::numeric_limits<T>::quiet_NaN();
  const auto field = test::field_with<S>(Grid(10000, 1, 1.0), values);
  CHECK(std::isnan(max(ctx, field.view())));
  CHECK(std::isnan(min(ctx, field.view())));
  CHECK(std::isnan(sum(ctx, field.view())));

  const View<const T, S> empty(field.data(), 0, 1);
  CHECK(sum(ctx, empty) == T(0));
  REQUIRE_THROWS_WITH(max(ctx, empty), Catch::Contains("'values.size()' = 0"));
}

TEMPLATE_TEST_CASE("Host reductions give the same bits on any number of threads", "[exec][reduce]",
                   float, double) {
  const auto values = test::random_values<TestType>(1'000'003, 42);
  const auto field = make_host_field(Grid(1'000'003, 1, 1.0), values);
  Context<Host> one({.threads = 1});
  const TestType reference = sum(one, field.view());
  for (int threads : {2, 3, 5, 8}) {
    Context<Host> ctx({.threads = threads});
    CHECK(sum(ctx, field.view()) == reference);
  }
}

namespace {

/// Whether values[i] is above a threshold: a predicate a kernel can run.
template <class T, class Space>
struct Above {
  View<const T, Space> values;
  T threshold;
  FABTWIN_HD bool operator()(index_t i) const { return values[i] > threshold; }
};

}  // namespace

TEMPLATE_LIST_TEST_CASE("compact_indices lists the kept indices in order, as a serial loop does",
                        "[exec][compact]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  for (index_t n : {0, 1, 4095, 4096, 4097, 100003}) {
    const auto values = test::random_values<T>(std::max<index_t>(n, 1), std::uint64_t(n) + 5);
    const auto field = test::field_with<S>(Grid(std::max<index_t>(n, 1), 1, 1.0), values);
    for (const T threshold : {T(-2), T(0.3), T(2)}) {  // all, some, none of uniform [-1, 1)
      INFO("n " << n << ", threshold " << threshold);
      const Above<T, S> keep{field.cview(), threshold};
      std::vector<index_t> expected;
      for (index_t i = 0; i < n; ++i)
        if (values[std::size_t(i)] > threshold) expected.push_back(i);
      CHECK(count_if(ctx, n, keep) == index_t(expected.size()));
      const KeptIndices<S> kept = compact_indices(ctx, n, keep);
      CHECK(kept.count == index_t(expected.size()));
      std::vector<index_t> listed = to_vector(kept.indices);
      listed.resize(expected.size());
      CHECK(listed == expected);
    }
  }
}

TEST_CASE("compact_indices gives the same list on any number of threads", "[exec][compact]") {
  const auto values = test::random_values<double>(200003, 11);
  const auto field = test::field_with<Host>(Grid(200003, 1, 1.0), values);
  std::vector<index_t> first;
  for (int threads : {1, 2, 3, 4}) {
    Context<Host> ctx({.threads = threads});
    const KeptIndices<Host> kept =
        compact_indices(ctx, 200003, Above<double, Host>{field.cview(), 0.5});
    if (threads == 1)
      first = to_vector(kept.indices);
    else
      CHECK(to_vector(kept.indices) == first);
  }
  CHECK(first.size() > 40000);
}

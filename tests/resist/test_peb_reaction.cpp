// The exact reaction step of the PEB (peb_reaction.hpp) against the ODE closed forms (equal
// concentrations, no quencher) and against a fine fourth-order Runge-Kutta integration of the
// same ODEs for unequal concentrations, including a rate that varies during the step.

#include <catch2/catch.hpp>

#include <cmath>
#include <iomanip>
#include <tuple>
#include <vector>

#include "fabtwin/resist/peb_reaction.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Contains;
using resist::ReactionStep;

namespace {

struct State {
  double acid, quencher, deprotection;
};

/// Classical RK4, compensated sums, of dA/dt = -kr(t) A Q, dQ/dt = -kr(t) A Q, dE/dt = kc A over [0, t_end], in
/// double with `steps` steps: independent of the closed forms.
template <class Rate>
State runge_kutta(State y, Rate kr, double kc, double t_end, int steps) {
  const double h = t_end / steps;
  State lost{0, 0, 0};
  const auto f = [&](double t, const State& s) {
    const double r = kr(t) * s.acid * s.quencher;
    return State{-r, -r, kc * s.acid};
  };
  const auto add = [](const State& s, const State& d, double w) {
    return State{s.acid + w * d.acid, s.quencher + w * d.quencher,
                 s.deprotection + w * d.deprotection};
  };
  for (int i = 0; i < steps; ++i) {
    const double t = i * h;
    const State k1 = f(t, y), k2 = f(t + h / 2, add(y, k1, h / 2)),
                k3 = f(t + h / 2, add(y, k2, h / 2)), k4 = f(t + h, add(y, k3, h));
    const State step{
        h / 6 * (k1.acid + 2 * k2.acid + 2 * k3.acid + k4.acid),
        h / 6 * (k1.quencher + 2 * k2.quencher + 2 * k3.quencher + k4.quencher),
        h / 6 * (k1.deprotection + 2 * k2.deprotection + 2 * k3.deprotection + k4.deprotection)};
    // Kahan-compensated accumulation: over 2e5 steps plain sums would lose ~1e-12 of the value.
    for (auto [value, carry, increment] :
         {std::tuple{&y.acid, &lost.acid, step.acid},
          std::tuple{&y.quencher, &lost.quencher, step.quencher},
          std::tuple{&y.deprotection, &lost.deprotection, step.deprotection}}) {
      const double corrected = increment - *carry, sum = *value + corrected;
      *carry = (sum - *value) - corrected;
      *value = sum;
    }
  }
  return y;
}

/// Runs `steps` equal reaction steps on samples (acid0[i], quencher0[i]) with constant rates.
template <class T, class S>
std::vector<State> react_samples(const std::vector<double>& acid0,
                                 const std::vector<double>& quencher0, double kr, double kc,
                                 double seconds, int steps) {
  Context<S> ctx;
  const Grid grid(index_t(acid0.size()), 1, 1.0);
  auto acid = test::field_with<S>(grid, std::vector<T>(acid0.begin(), acid0.end()));
  auto quencher = test::field_with<S>(grid, std::vector<T>(quencher0.begin(), quencher0.end()));
  Field<T, S> deprotection(grid);
  const double h = seconds / steps;
  for (int i = 0; i < steps; ++i)
    resist::react(ctx, acid.view(), quencher.view(), deprotection.view(),
                  ReactionStep{h, kr * h, kc * h});
  const auto a = to_vector(acid), q = to_vector(quencher), e = to_vector(deprotection);
  std::vector<State> out;
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back({double(a[i]), double(q[i]), double(e[i])});
  return out;
}

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 2e-6 : 1e-12;

/// |value - reference| <= tol (|reference| + 0.1): relative, with an absolute floor at a tenth of
/// the unit concentration. The floor matters where a species is used up: the quencher left after
/// full neutralisation is A - c, rounded at the scale of A (one float ulp of 0.2 is 1.5e-8), and
/// an over-quenched acid decays like e^{-300}.
void check_close(double value, double reference, double tol) {
  INFO(std::setprecision(17) << "value " << value << ", reference " << reference);
  CHECK(std::abs(value - reference) <= tol * (std::abs(reference) + 0.1));
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("Equal acid and quencher neutralise as A0 / (1 + k_r A0 t)",
                        "[resist][peb]", test::Cases) {
  using T = typename TestType::real;
  const double kr = 8.7, kc = 0.9, t = 90;  // the Sentaurus set of physics.md
  const std::vector<double> a0{0.0, 1e-4, 0.05, 0.4, 0.9};
  for (int steps : {1, 7}) {
    const auto result = react_samples<T, typename TestType::space>(a0, a0, kr, kc, t, steps);
    for (std::size_t i = 0; i < a0.size(); ++i) {
      INFO("A0 = Q0 = " << a0[i] << ", " << steps << " steps");
      const double acid = a0[i] / (1 + kr * a0[i] * t);
      const double acid_time = std::log1p(kr * a0[i] * t) / kr;  // integral of A dt
      check_close(result[i].acid, acid, tolerance<T>);
      check_close(result[i].quencher, acid, tolerance<T>);
      check_close(result[i].deprotection, kc * acid_time, tolerance<T>);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("Without quencher the acid deprotects as exp(-k_c A0 t)", "[resist][peb]",
                        test::Cases) {
  using T = typename TestType::real;
  const std::vector<double> a0{0.0, 0.2, 0.7}, none(3, 0.0);
  for (double kr : {0.0, 8.7}) {  // with k_r > 0 the quencher-free branch of the logistic formula
    const auto result = react_samples<T, typename TestType::space>(a0, none, kr, 0.9, 60, 3);
    for (std::size_t i = 0; i < a0.size(); ++i) {
      check_close(result[i].acid, a0[i], tolerance<T>);
      CHECK(result[i].quencher == 0);
      check_close(std::exp(-result[i].deprotection), std::exp(-0.9 * a0[i] * 60), tolerance<T>);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("Unequal concentrations follow the ODE (Runge-Kutta reference)",
                        "[resist][peb]", test::Cases) {
  using T = typename TestType::real;
  const double kr = 8.7, kc = 0.9;
  // Acid in excess, quencher in excess (|c| k_r t up to 300: the branch that must not overflow),
  // and nearly equal (c = 1e-7: the branch that must not cancel).
  // The inputs as T holds them, for both sides: in float, c = 1e-7 is itself rounded (to 8.9e-8).
  const std::vector<T> a0_t{T(0.6), T(0.1), T(0.4), T(0.4 + 1e-7), T(0.02)},
      q0_t{T(0.4), T(0.4), T(0.5), T(0.4), T(0.4)};
  const std::vector<double> a0(a0_t.begin(), a0_t.end()), q0(q0_t.begin(), q0_t.end());
  for (double t : {0.05, 2.0, 90.0}) {
    const auto result = react_samples<T, typename TestType::space>(a0, q0, kr, kc, t, 1);
    for (std::size_t i = 0; i < a0.size(); ++i) {
      INFO(std::setprecision(10) << "A0 " << a0[i] << ", Q0 " << q0[i] << ", t " << t);
      const State ref = runge_kutta(
          {a0[i], q0[i], 0}, [&](double) { return kr; }, kc, t, 200000);
      check_close(result[i].acid, ref.acid, tolerance<T>);
      check_close(result[i].quencher, ref.quencher, tolerance<T>);
      check_close(result[i].deprotection, ref.deprotection, tolerance<T>);
    }
  }
}

TEST_CASE("A rate varying within the step enters through its integral", "[resist][peb]") {
  // k_r(t) = 8.7 (1 + 0.5 sin(t)) over 3 s: A and Q depend on the integral of k_r only, exactly.
  const auto kr = [](double t) { return 8.7 * (1 + 0.5 * std::sin(t)); };
  const double seconds = 3, integral = 8.7 * (seconds + 0.5 * (1 - std::cos(seconds)));
  Context<Host> ctx;
  const Grid grid(2, 1, 1.0);
  auto acid = test::field_with<Host>(grid, std::vector<double>{0.5, 0.1});
  auto quencher = test::field_with<Host>(grid, std::vector<double>{0.3, 0.3});
  Field<double, Host> deprotection(grid);
  resist::react(ctx, acid.view(), quencher.view(), deprotection.view(),
                ReactionStep{seconds, integral, 0.0});
  for (index_t i = 0; i < 2; ++i) {
    const State ref = runge_kutta({i == 0 ? 0.5 : 0.1, 0.3, 0}, kr, 0.0, seconds, 200000);
    check_close(acid.data()[i], ref.acid, 1e-12);
    check_close(quencher.data()[i], ref.quencher, 1e-12);
  }
}

TEST_CASE("react refuses bad steps and mismatched fields", "[resist][peb][errors]") {
  Context<Host> ctx;
  Field<float, Host> a(Grid(4, 4, 1.0)), q(Grid(4, 4, 1.0)), e(Grid(4, 4, 1.0)),
      wrong(Grid(4, 2, 1.0));
  CHECK_THROWS_WITH(resist::react(ctx, a.view(), q.view(), e.view(), ReactionStep{1, -2, 0}),
                    Contains("step.quench") && Contains("-2") && Contains("non-negative"));
  CHECK_THROWS_WITH(resist::react(ctx, a.view(), q.view(), e.view(), ReactionStep{0, 1, 1}),
                    Contains("step.seconds"));
  CHECK_THROWS_WITH(resist::react(ctx, a.view(), wrong.view(), e.view(), ReactionStep{1, 1, 1}),
                    Contains("quencher") && Contains("4x2"));
  CHECK_THROWS_AS(resist::react(ctx, a.view(), q.view(), wrong.view(), ReactionStep{1, 1, 1}),
                  shape_mismatch);
}

TEST_CASE("The reverse's moments of e^{-x} equal their closed forms in long double",
          "[resist][peb][adjoint]") {
  // F(x) = (1 - e^{-x} (1 + x)) / x^2 and G(x) = (x - 1 + e^{-x}) / x^2, evaluated in long double
  // (64-bit mantissa: from x = 0.05 on the closed forms keep 15 digits after their cancellation),
  // against LogisticMoments' series below x = 1 and its double closed forms above.
  for (const double x : {0.05, 0.1, 0.3, 0.7, 0.999999, 1.0, 1.000001, 2.0, 7.5, 40.0}) {
    INFO("x = " << x);
    const long double lx = x, e = std::exp(-lx);
    const long double f = (1 - e * (1 + lx)) / (lx * lx), g = (lx - 1 + e) / (lx * lx);
    const resist::detail::LogisticMoments<double> m(x / 2, 2.0);  // c s = x
    CHECK(std::abs(m.f - double(f)) <= 4e-16 * double(f));
    CHECK(std::abs(m.g - double(g)) <= 4e-16 * double(g));
    CHECK(std::abs(m.e - double(e)) <= 4e-16 * double(e));
    CHECK(std::abs(m.phi - double(-std::expm1(-lx) * 2 / lx)) <= 4e-16 * m.phi);
  }
  // c = 0: the equal-concentration solution's limits, F = G = 1/2 and phi = s.
  const resist::detail::LogisticMoments<double> zero(0.0, 3.0);
  CHECK(zero.f == 0.5);
  CHECK(zero.g == 0.5);
  CHECK(zero.phi == 3.0);
}

TEST_CASE("The reaction step's reverse equals central differences of the step",
          "[resist][peb][adjoint]") {
  // L = ga A + gq Q + gd (deprotection gained) after one step from (A0, Q0) with s = integral k_r dt
  // and k = integral k_c dt: its derivatives by ReactAcidQuencherReverse against central
  // differences of ReactAcidQuencher, on both branches (acid or quencher in excess) with c s from
  // 1e-6 through the series' end at 1 to 60, at c = 0, and with a negative lobe of either species.
  struct Sample {
    double a0, q0, s;
  };
  const std::vector<Sample> samples{{0.4 + 2e-6, 0.4, 1.0}, {0.7, 0.4, 1.0},  {0.7, 0.4, 3.3333},
                                    {0.7, 0.4, 3.3334},     {0.7, 0.4, 20.0}, {0.9, 0.3, 100.0},
                                    {0.4, 0.4 + 2e-6, 1.0}, {0.4, 0.7, 1.0},  {0.4, 0.7, 3.3334},
                                    {0.3, 0.9, 100.0},      {0.5, 0.5, 2.0},  {-0.01, 0.4, 2.0},
                                    {0.4, -0.01, 2.0}};
  const double k = 0.8, ga = 0.7, gq = -0.4, gd = 1.3;
  const auto loss = [&](double a0, double q0, double s, double kk) {
    Context<Host> ctx;
    const Grid one(1, 1, 1.0);
    auto acid = test::field_with<Host>(one, std::vector<double>{a0});
    auto quencher = test::field_with<Host>(one, std::vector<double>{q0});
    Field<double, Host> deprotection(one);
    fill(ctx, deprotection.view(), 0.0);
    for_each(ctx, Range1{1},
             resist::detail::ReactAcidQuencher<double, Host>{
                 acid.view(), quencher.view(), deprotection.view(), {s, kk / s, kk}});
    return ga * acid.data()[0] + gq * quencher.data()[0] + gd * deprotection.data()[0];
  };
  for (const Sample& p : samples) {
    INFO("A0 " << p.a0 << ", Q0 " << p.q0 << ", s " << p.s);
    Context<Host> ctx;
    const Grid one(1, 1, 1.0);
    const auto a = test::field_with<Host>(one, std::vector<double>{p.a0});
    const auto q = test::field_with<Host>(one, std::vector<double>{p.q0});
    const auto d = test::field_with<Host>(one, std::vector<double>{gd});
    auto grad_a = test::field_with<Host>(one, std::vector<double>{ga});
    auto grad_q = test::field_with<Host>(one, std::vector<double>{gq});
    Field<double, Host> grad_s(one), grad_k(one);
    for_each(ctx, Range1{1},
             resist::detail::ReactAcidQuencherReverse<double, Host>{a.cview(),
                                                                    q.cview(),
                                                                    d.cview(),
                                                                    grad_a.view(),
                                                                    grad_q.view(),
                                                                    grad_s.view(),
                                                                    grad_k.view(),
                                                                    {p.s, k / p.s, k}});
    const auto central = [](auto f, double x) {
      const double h = 1e-6 * std::max(1.0, std::abs(x));
      return (f(x + h) - f(x - h)) / (2 * h);
    };
    const double by_a = central([&](double v) { return loss(v, p.q0, p.s, k); }, p.a0);
    const double by_q = central([&](double v) { return loss(p.a0, v, p.s, k); }, p.q0);
    const double by_s = central([&](double v) { return loss(p.a0, p.q0, v, k); }, p.s);
    const double by_k = central([&](double v) { return loss(p.a0, p.q0, p.s, v); }, k);
    // Central differences at h = 1e-6: truncation ~1e-12 of the second derivative's scale,
    // rounding ~1e-10 relative to L.
    CHECK(grad_a.data()[0] == Approx(by_a).margin(1e-8));
    CHECK(grad_q.data()[0] == Approx(by_q).margin(1e-8));
    CHECK(grad_s.data()[0] == Approx(by_s).margin(1e-8));
    CHECK(grad_k.data()[0] == Approx(by_k).margin(1e-8));
  }
}

TEMPLATE_LIST_TEST_CASE("react_states gives react()'s acid and quencher to the bit",
                        "[resist][peb]", test::Cases) {
  // What the bake's adjoints recompute: the same states without the deprotection's integral.
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(16, 16, 1.0);
  const auto a0 = test::random_values<T>(grid.size(), 31),
             q0 = test::random_values<T>(grid.size(), 32);
  auto a = test::field_with<S>(grid, a0), q = test::field_with<S>(grid, q0);
  auto a_states = test::field_with<S>(grid, a0), q_states = test::field_with<S>(grid, q0);
  Field<T, S> deprotection(grid);
  fill(ctx, deprotection.view(), T(0));
  const ReactionStep step{0.5, 3.7, 0.4};  // c s from 0 to 7: both branches, below and above 1
  resist::react(ctx, a.view(), q.view(), deprotection.view(), step);
  resist::react_states(ctx, a_states.view(), q_states.view(), step);
  CHECK(to_vector(a_states) == to_vector(a));
  CHECK(to_vector(q_states) == to_vector(q));
  Field<T, S> wrong(Grid(16, 8, 1.0));
  CHECK_THROWS_WITH(resist::react_states(ctx, a.view(), wrong.view(), step),
                    Contains("quencher") && Contains("extents of acid"));
}

// The JSON builder against RFC 8259 by exact expected text: string escapes, UTF-8 handling,
// number forms that read back bit for bit (strtod), nesting, compact and pretty printing.

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "fabtwin/io/json.hpp"
#include "support/files.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using io::json::Value;

namespace {

/// The bits of the double that the JSON text of `value` reads back as.
std::uint64_t read_back(double value) {
  const std::string text = Value(value).dump();
  char* end = nullptr;
  const double parsed = std::strtod(text.c_str(), &end);
  CHECK(*end == '\0');
  return std::bit_cast<std::uint64_t>(parsed);
}

}  // namespace

TEST_CASE("JSON literals and integers", "[io][json]") {
  CHECK(Value().dump() == "null");
  CHECK(Value(nullptr).dump() == "null");
  CHECK(Value(true).dump() == "true");
  CHECK(Value(false).dump() == "false");
  CHECK(Value(0).dump() == "0");
  CHECK(Value(-42).dump() == "-42");
  CHECK(Value(std::numeric_limits<std::int64_t>::min()).dump() == "-9223372036854775808");
  CHECK(Value(std::uint64_t(9223372036854775807ull)).dump() == "9223372036854775807");
  CHECK(Value(std::uint8_t(200)).dump() == "200");
  CHECK_THROWS_WITH(Value(std::uint64_t(9223372036854775808ull)), Catch::Contains("below 2^63"));
}

TEST_CASE("JSON doubles are the shortest text that reads back to the same bits", "[io][json]") {
  CHECK(Value(0.1).dump() == "0.1");
  CHECK(Value(1.0).dump() == "1.0");
  CHECK(Value(-0.0).dump() == "-0.0");
  CHECK(Value(100.0).dump() == "100.0");
  CHECK(Value(2.5e-7).dump() == "2.5e-07");
  CHECK(Value(1e21).dump() == "1e+21");
  CHECK(Value(0.1f).dump() == "0.1");  // a float's own shortest form, not 0.10000000149011612
  CHECK(Value(1.0 / 3.0).dump() == "0.3333333333333333");
  for (const double v : {0.1, 1.0 / 3.0, -2.0 / 7.0, 6.02214076e23, 5e-324, 1.7976931348623157e308,
                         0.1 + 0.2, 1e-300 * 3.3})
    CHECK(read_back(v) == std::bit_cast<std::uint64_t>(v));
  test::Sequence sequence(11);
  for (int k = 0; k < 1000; ++k) {
    const double v = sequence.next() * std::pow(10.0, 40 * sequence.next());
    CHECK(read_back(v) == std::bit_cast<std::uint64_t>(v));
  }
  CHECK_THROWS_AS(Value(std::nan("")), invalid_argument);
  CHECK_THROWS_WITH(Value(-INFINITY), Catch::Contains("JSON has no NaN or infinity"));
  CHECK_THROWS_AS(Value(std::numeric_limits<float>::quiet_NaN()), invalid_argument);
}

TEST_CASE("JSON strings escape quotes, backslashes and control characters only", "[io][json]") {
  CHECK(Value("plain").dump() == R"("plain")");
  CHECK(Value("a\"b\\c/d").dump() == R"("a\"b\\c/d")");
  CHECK(Value("\b\f\n\r\t").dump() == R"("\b\f\n\r\t")");
  CHECK(Value(std::string("\x01\x1f\x7f", 3)).dump() == "\"\\u0001\\u001f\x7f\"");
  CHECK(Value(std::string("a\0b", 3)).dump() == R"("a\u0000b")");
  // UTF-8 passes through: micro sign (2 bytes), en dash (3), CJK (3), emoji (4).
  const std::string utf8 = "\xC2\xB5m \xE2\x80\x93 \xE6\x97\xA5 \xF0\x9F\x98\x80";
  CHECK(Value(utf8).dump() == "\"" + utf8 + "\"");
  // Invalid UTF-8 is refused, with the offset of the bad sequence.
  CHECK_THROWS_WITH(Value("ok\xFF"), Catch::Contains("offset 2") && Catch::Contains("UTF-8"));
  CHECK_THROWS_AS(Value("\xC0\xAF"), invalid_argument);          // overlong '/'
  CHECK_THROWS_AS(Value("\xE0\x80\xAF"), invalid_argument);      // overlong, 3 bytes
  CHECK_THROWS_AS(Value("\xED\xA0\x80"), invalid_argument);      // UTF-16 surrogate
  CHECK_THROWS_AS(Value("\xF4\x90\x80\x80"), invalid_argument);  // above U+10FFFF
  CHECK_THROWS_AS(Value("\xE2\x82"), invalid_argument);          // truncated
  CHECK_THROWS_AS(Value("\x80"), invalid_argument);              // lone continuation byte
  Value object;
  CHECK_THROWS_AS(object["\xFF"], invalid_argument);  // keys too
}

TEST_CASE("JSON objects keep insertion order and nest; compact and pretty forms", "[io][json]") {
  Value figure = Value::object();
  figure["title"] = "CD \"through\" focus";
  figure["pitch_nm"] = 1.0;
  figure["size"].push_back(512);
  figure["size"].push_back(256);
  Value series;
  series["focus_nm"] = -40;
  series["cd_nm"] = 45.25;
  series["valid"] = true;
  series["note"] = nullptr;
  figure["series"].push_back(series);
  figure["empty_array"] = Value::array();
  figure["empty_object"] = Value::object();
  figure["pitch_nm"] = 2.0;  // replaces the value in place, keeping the order
  CHECK(figure.size() == 6);
  CHECK(figure["size"].size() == 2);

  CHECK(figure.dump() == R"({"title":"CD \"through\" focus","pitch_nm":2.0,"size":[512,256],)"
                         R"("series":[{"focus_nm":-40,"cd_nm":45.25,"valid":true,"note":null}],)"
                         R"("empty_array":[],"empty_object":{}})");
  CHECK(figure.dump(2) == R"({
  "title": "CD \"through\" focus",
  "pitch_nm": 2.0,
  "size": [
    512,
    256
  ],
  "series": [
    {
      "focus_nm": -40,
      "cd_nm": 45.25,
      "valid": true,
      "note": null
    }
  ],
  "empty_array": [],
  "empty_object": {}
})");

  const std::string path =
      (std::filesystem::temp_directory_path() / "fabtwin_test_figure.json").string();
  io::write_json(path, figure, -1);
  CHECK(test::read_file(path) == figure.dump() + "\n");
  std::filesystem::remove(path);
}

TEST_CASE("JSON members copied from one another while the object grows", "[io][json]") {
  // v["new"] = v["old"] evaluates the right side first; adding "new" must not move "old".
  Value v = Value::object();
  v["old"] = "kept";
  for (int i = 0; i < 100; ++i) v["copy" + std::to_string(i)] = v["old"];
  CHECK(v.size() == 101);
  CHECK(v["copy99"].dump() == "\"kept\"");
}

TEST_CASE("JSON misuse: mixing kinds, bad paths", "[io][json][errors]") {
  Value array = Value::array();
  CHECK_THROWS_AS(array["key"], invalid_argument);
  CHECK_THROWS_WITH(array["key"],
                    Catch::Contains("a JSON array") && Catch::Contains("a JSON object or null"));
  Value number = 3;
  CHECK_THROWS_WITH(number.push_back(1),
                    Catch::Contains("push_back") && Catch::Contains("a JSON number"));
  CHECK_THROWS_AS(io::write_json("/nonexistent-dir/x.json", array), io_error);
  CHECK_THROWS_WITH(
      io::write_json("/nonexistent-dir/x.json", array),
      Catch::Contains("'/nonexistent-dir/x.json'") && Catch::Contains("No such file"));
}

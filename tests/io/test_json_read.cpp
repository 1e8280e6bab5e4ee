// io::json::parse (json_read.hpp): documents written by json::Value read back to the same text,
// RFC 8259's escapes and numbers read to their values (checked against values written here by
// hand, not by the writer), and each malformed form refused with its line and column.

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/io/json.hpp"
#include "fabtwin/io/json_read.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Matchers::Contains;

namespace {

std::string parse_error(const std::string& text) {
  try {
    io::json::parse(text, "doc.json");
  } catch (const io_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("JSON documents read back to what was written", "[io][json][read]") {
  io::json::Value doc = io::json::Value::object();
  doc["name"] = "sites \"A\"\n\t\\ \xC3\xA9";
  doc["count"] = 3;
  doc["big"] = std::int64_t(-9007199254740993);
  doc["cd_nm"] = 45.25;
  doc["tiny"] = 1e-300;
  doc["flags"].push_back(true);
  doc["flags"].push_back(false);
  doc["flags"].push_back(nullptr);
  doc["nested"]["deeper"]["list"] = io::json::Value::array();
  doc["empty"] = io::json::Value::object();
  for (const int indent : {-1, 2}) {
    const io::json::Value read = io::json::parse(doc.dump(indent));
    CHECK(read.dump() == doc.dump());
  }
  const io::json::Value read = io::json::parse(doc.dump());
  CHECK(read.find("name")->string() == "sites \"A\"\n\t\\ \xC3\xA9");
  CHECK(read.find("count")->number() == 3);
  CHECK(read.find("cd_nm")->number() == 45.25);
  CHECK(read.find("tiny")->number() == 1e-300);
  CHECK(read.find("missing") == nullptr);
  CHECK(read.keys().size() == 8);
  CHECK(read.find("flags")->items().front().boolean());
}

TEST_CASE("JSON escapes and numbers take their RFC 8259 values", "[io][json][read]") {
  const io::json::Value v = io::json::parse(
      R"({"s": "\u0041\u00e9\u20ac\ud83d\ude00\/\b\f\r", "n": [-0, 0.5, 1E3, 2.5e-3, -12345678901234]})");
  CHECK(v.find("s")->string() == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80/\b\f\r");
  std::vector<double> numbers;
  for (const io::json::Value& n : v.find("n")->items()) numbers.push_back(n.number());
  CHECK(numbers == std::vector<double>{0.0, 0.5, 1000.0, 0.0025, -12345678901234.0});
  CHECK(std::signbit(io::json::parse("-0.0").number()));
  CHECK(io::json::parse(" \t\r\n[ ] \n").items().empty());
}

TEST_CASE("Malformed JSON is refused with the line, the column and what was expected",
          "[io][json][read][errors]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "1:1: found the end of the text; expected a JSON value"},
      {"{\"a\": 1,}", "1:9: found '}'; expected a member name"},
      {"[1, 2", "1:6: found the end of the text; expected ',' or ']'"},
      {"{\"a\" 1}", "1:6: found '1'; expected ':'"},
      {"{\"a\": 1, \"a\": 2}", "1:10: found '\"'; expected a member name not given before"},
      {"[01]", "1:2: found '0'; expected a number without leading zeros"},
      {"[1.]", "1:4: found ']'; expected digits after the decimal point"},
      {"[1e]", "1:4: found ']'; expected digits in the exponent"},
      {"1e400", "1:1: found '1'; expected a number within the range of a double"},
      {"[NaN]", "1:2: found 'N'; expected a JSON value"},
      {"[tru]", "1:2: found 't'; expected a JSON value"},
      {"{}\n x", "2:2: found 'x'; expected the end of the document"},
      {"\"a\nb\"", "1:3: found byte 10; expected a character above U+001F"},
      {"\"\\x\"", "1:3: found 'x'; expected one of"},
      {"\"\\ud800\"", "1:8: found '\"'; expected \\u and a low surrogate"},
      {"\"\\udc00\"", "expected a high surrogate before a low one"},
      {"\"\\u12g4\"", "1:6: found 'g'; expected four hexadecimal digits"},
      {"\"\xC3\x28\"", "1:2: found byte 195; expected a string of valid UTF-8"},
      {"\"open", "1:6: found the end of the text; expected '\"' closing the string"},
      {"// note\n{}", "1:1: found '/'; expected a JSON value"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    CHECK_THAT(parse_error(text), Contains("doc.json:") && Contains(expected));
  }
  // Nesting: 256 levels read, 257 refused (not a stack overflow).
  CHECK_NOTHROW(io::json::parse(std::string(256, '[') + std::string(256, ']')));
  CHECK_THAT(parse_error(std::string(100000, '[')), Contains("expected nesting at most 256 deep"));
}

TEST_CASE("JSON readers refuse a value of another kind, naming it", "[io][json][read][errors]") {
  const io::json::Value v = io::json::parse(R"({"x0": "12", "sites": {}})");
  try {
    (void)v.find("x0")->number("sites.json x0");
    FAIL("a string read as a number");
  } catch (const invalid_argument& e) {
    CHECK_THAT(std::string(e.what()), Contains("'sites.json x0'") && Contains("a JSON string") &&
                                          Contains("expected a JSON number"));
  }
  CHECK_THROWS_AS(v.find("sites")->boolean(), invalid_argument);
  CHECK_THROWS_AS(v.find("x0")->items(), invalid_argument);
  CHECK_THROWS_AS(v.find("x0")->find("a"), invalid_argument);
}

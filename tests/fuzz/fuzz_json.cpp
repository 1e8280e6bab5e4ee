// libFuzzer harness for the JSON reader (io/json_read.hpp): parse, and for a document that reads,
// write it and read that back, which must give the same text (the reader and the writer agree). A
// fabtwin::error is the expected answer to bad input; any other exception, a crash, a sanitizer
// report or a round trip that changes the document is a finding. Built by scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fabtwin/io/json_read.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string written;
  try {
    written = fabtwin::io::json::parse(text, "fuzz").dump();
  } catch (const fabtwin::error&) {
    return 0;
  }
  if (fabtwin::io::json::parse(written, "round trip").dump() != written) __builtin_trap();
  return 0;
}

#pragma once
// GDSII streams: records and the 8-byte real (gdsii_records.hpp), the Library with flattening and
// windows (gdsii_library.hpp), its reader (gdsii_reader.hpp), and the one-structure writer
// (gdsii_writer.hpp).

#include "fabtwin/layout/gdsii_library.hpp"
#include "fabtwin/layout/gdsii_reader.hpp"
#include "fabtwin/layout/gdsii_records.hpp"
#include "fabtwin/layout/gdsii_writer.hpp"

#pragma once
// GDSII streams: records and the 8-byte real (gdsii_records.hpp), the Library reader with
// flattening and windows (gdsii_reader.hpp), and the one-structure writer (gdsii_writer.hpp).

#include "fabtwin/layout/gdsii_reader.hpp"
#include "fabtwin/layout/gdsii_records.hpp"
#include "fabtwin/layout/gdsii_writer.hpp"

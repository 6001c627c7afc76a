// Must compile (tests/CMakeLists.txt, record_fields_by_reader_builds): the twin of
// record_field_by_hand.cpp, reading the IPI's target through its reader.
#include "kernel/record_kinds.h"

int ipi_target_by_reader(const kernel::Record& r) {
    return kernel::rec::ipi_target(r);
}

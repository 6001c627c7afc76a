// Must not compile (tests/CMakeLists.txt, record_fields_private): a record's kind-specific fields
// are private to kernel/record_kinds.h, so code outside it cannot know which field an IPI's
// target is in. record_field_by_reader.cpp, which reads it through rec::ipi_target, compiles.
#include "kernel/record.h"

int ipi_target_by_hand(const kernel::Record& r) {
    return r.other;
}

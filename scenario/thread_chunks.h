#pragma once
// A scenario file split for loading: its [[thread]] and [[kthread]] tables, each parsed on its own
// when the loader reaches it, and the rest (the header), parsed as one document. A generated
// scenario of 100,000 threads is almost all thread tables; parsed at once, toml++'s document
// holds about 1.2 KiB per thread next to the scenario being built from it (docs/performance.md).
// Parsed one at a time, only one thread's table is in memory.
//
// The split follows TOML's grammar as far as it decides where a table starts: a header is a line
// whose first non-blank character is `[`, outside a multi-line string and outside a value's
// brackets (an array or inline table spanning lines). A thread table runs from its
// `[[thread]]` or `[[kthread]]` header (spaces allowed inside the brackets, a comment after) to
// the next header. Anything else, including a thread table spelled another way (a quoted key,
// an inline array `thread = [...]`), stays in the header, which keeps every line (the thread
// tables' lines are left empty): positions in both are those of the file.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace scenario::detail {

/// One [[thread]] or [[kthread]] table of the file.
struct ThreadChunk {
    std::size_t begin = 0; ///< byte offset of its header line
    std::size_t end = 0;   ///< byte offset of the next header line (or the file's end)
    int first_line = 1;    ///< the header's line, 1-based
    bool kthread = false;
};

struct SplitFile {
    std::string header; ///< the file with each chunk's bytes but its newlines removed
    std::vector<ThreadChunk> chunks;
};

SplitFile split_thread_tables(std::string_view text);

} // namespace scenario::detail

#pragma once
// `tlbsim steps [--markdown]`: the step table (scenario/steps.h) as the reference prints it,
// docs/steps.md being the Markdown form.

#include <cstdio>
#include <string>
#include <vector>

namespace cli {

/// One table of the reference: a heading, column names, and rows of cells. Cells may hold
/// `code` spans, which the text form prints without the backticks.
struct ReferenceTable {
    std::string heading;
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
};

/// The steps, their arguments, the options, and the membarrier commands.
std::vector<ReferenceTable> steps_reference();

void print_markdown(std::FILE* out, const std::vector<ReferenceTable>& tables);
/// Aligned columns, the last one unaligned.
void print_text(std::FILE* out, const std::vector<ReferenceTable>& tables);

} // namespace cli

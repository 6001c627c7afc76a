// Reference docs generated from the code stay in step with it: regenerate them with the command
// named in each file when this fails.

#include "cli/commands.h"
#include "kernel/invariants.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string command_output(const std::vector<std::string>& args) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    REQUIRE(cli::run_command_line(args, out, err) == 0);
    std::rewind(out);
    std::string text;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, out)) {
        text.append(buf, n);
    }
    std::fclose(out);
    std::fclose(err);
    return text;
}

std::string file_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("docs/scenario-keys.md is the output of tlbsim scenario-keys --markdown", "[docs]") {
    const std::string doc = file_text(std::string(TLBSIM_SOURCE_DIR) + "/docs/scenario-keys.md");
    const std::string generated = command_output({"scenario-keys", "--markdown"});
    // The file is a short header followed by the generated tables.
    const auto tables = doc.find("### top level");
    REQUIRE(tables != std::string::npos);
    CHECK(doc.substr(tables) == generated);
}

TEST_CASE("docs/steps.md is the output of tlbsim steps --markdown", "[docs]") {
    const std::string doc = file_text(std::string(TLBSIM_SOURCE_DIR) + "/docs/steps.md");
    const std::string generated = command_output({"steps", "--markdown"});
    // The file is a short header followed by the generated tables.
    const auto tables = doc.find("### Steps");
    REQUIRE(tables != std::string::npos);
    CHECK(doc.substr(tables) == generated);
}

TEST_CASE("docs/invariants.md has a section for every invariant, in catalogue order", "[docs]") {
    const std::string doc = file_text(std::string(TLBSIM_SOURCE_DIR) + "/docs/invariants.md");
    std::size_t previous = 0;
    for (const kernel::InvariantInfo& info : kernel::invariant_table()) {
        const auto at = doc.find("\n### `" + std::string(info.name) + "`\n");
        INFO(info.name);
        REQUIRE(at != std::string::npos);
        CHECK(at > previous);
        previous = at;
    }
}

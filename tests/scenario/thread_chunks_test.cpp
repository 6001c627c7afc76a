// The loader's split of a scenario file into its thread tables and the rest
// (scenario/thread_chunks.h): where TOML says a table starts, and only there.

#include "scenario/loader.h"
#include "scenario/thread_chunks.h"

#include <catch2/catch.hpp>

#include <string>

using scenario::detail::split_thread_tables;

namespace {

/// The text of each chunk.
std::vector<std::string> chunk_texts(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& c : split_thread_tables(text).chunks) {
        out.push_back(text.substr(c.begin, c.end - c.begin));
    }
    return out;
}

std::string error_of(const std::string& text) {
    scenario::Catalog c;
    c.is_counter = [](std::string_view) { return true; };
    c.check_knob = [](std::string_view, const scenario::KnobValue&) { return std::string(); };
    c.check_policy = [](const scenario::Scenario&, const std::string&) { return std::string(); };
    c.preset_names = {"v5.10"};
    try {
        scenario::load_string(text, "s.toml", c);
    } catch (const scenario::ScenarioError& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("thread chunks: each [[thread]] and [[kthread]] table up to the next header, the "
          "header keeping every line",
          "[scenario][chunks]") {
    const std::string text = "name = \"x\"\n[machine]\ncpus = 1\n"
                             "[[thread]]\nname = \"a\"\n"
                             "  [[ kthread ]]  # a comment\nname = \"k\"\n"
                             "[[process]]\nname = \"p\"\n";
    const auto split = split_thread_tables(text);
    REQUIRE(split.chunks.size() == 2);
    CHECK(split.chunks[0].first_line == 4);
    CHECK_FALSE(split.chunks[0].kthread);
    CHECK(split.chunks[1].first_line == 6);
    CHECK(split.chunks[1].kthread);
    CHECK(chunk_texts(text) == std::vector<std::string>{"[[thread]]\nname = \"a\"\n",
                                                        "  [[ kthread ]]  # a comment\nname = "
                                                        "\"k\"\n"});
    // The header has the file's lines: the chunks' are empty.
    CHECK(split.header == "name = \"x\"\n[machine]\ncpus = 1\n\n\n\n\n[[process]]\nname = \"p\"\n");
}

TEST_CASE("thread chunks: a header inside a multi-line string or a value's brackets is not one",
          "[scenario][chunks]") {
    SECTION("multi-line strings, basic and literal, with quotes next to the closing delimiter") {
        const std::string text = "description = \"\"\"\n[[thread]]\n\\\"\"\" \"\"\"\"\n"
                                 "d2 = '''\n[[thread]]\n'''''\n[[thread]]\nname = \"a\"\n";
        const auto split = split_thread_tables(text);
        REQUIRE(split.chunks.size() == 1);
        CHECK(split.chunks[0].first_line == 7);
    }
    SECTION("an array over several lines, with a nested array on a line of its own") {
        const std::string text = "delays = [\n  [1, 2],\n]\n[[thread]]\nprogram = [\n  \"user 1\","
                                 "\n  # [[thread]] in a comment\n]\n";
        const auto split = split_thread_tables(text);
        REQUIRE(split.chunks.size() == 1);
        CHECK(split.chunks[0].first_line == 4);
        CHECK(split.chunks[0].end == text.size());
    }
    SECTION("brackets and quotes inside one-line strings do not count") {
        const std::string text = "x = \"[ \\\" '''\"\ny = '[ \"\"\"'\n[[thread]]\n";
        const auto split = split_thread_tables(text);
        REQUIRE(split.chunks.size() == 1);
        CHECK(split.chunks[0].first_line == 3);
    }
    SECTION("other spellings stay in the header: a quoted key, a sub-table") {
        const auto split = split_thread_tables("[[\"thread\"]]\n[[thread.x]]\n[thread]\n");
        CHECK(split.chunks.empty());
    }
    SECTION("CRLF line ends and a byte order mark") {
        const std::string text = "\xEF\xBB\xBF[[thread]]\r\nname = \"a\"\r\n[[kthread]]\r\n";
        const auto split = split_thread_tables(text);
        REQUIRE(split.chunks.size() == 2);
        CHECK(split.chunks[0].first_line == 1);
        CHECK(split.chunks[1].first_line == 3);
    }
}

TEST_CASE("thread chunks: errors inside a thread table keep the file's positions, and a key "
          "defined both ways is refused",
          "[scenario][chunks]") {
    const std::string head = "[machine]\ncpus = 1\n[[process]]\nname = \"p\"\n";
    // A syntax error in the second thread table: line 9 of the file, not of its table.
    CHECK(error_of(head +
                   "[[thread]]\nname = \"a\"\nprocess = \"p\"\ncpu = 0\nprogram = [\"exit\"]\n"
                   "[[thread]]\nname = = 1\n")
              .starts_with("s.toml:11:"));
    // A value error in a table parsed on its own points into the file too.
    CHECK(error_of(head + "\n[[thread]]\nname = \"a\"\nprocess = \"q\"\ncpu = 0\n"
                          "program = [\"exit\"]\n")
              .starts_with("s.toml:8:11: thread[0].process: "));
    CHECK(error_of(head +
                   "[[thread]]\nname = \"a\"\nprocess = \"p\"\ncpu = 0\nprogram = [\"exit\"]\n"
                   "[[thread]]\nname = \"a\"\nprocess = \"p\"\ncpu = 0\nprogram = [\"exit\"]\n")
              .starts_with("s.toml:11:8: thread[1].name: duplicate thread name \"a\""));
    // TOML refuses to append to an array defined inline; so does the split.
    CHECK(error_of("thread = [{ name = \"b\" }]\n" + head + "[[thread]]\nname = \"a\"\n") ==
          "s.toml:1:1: thread: defined twice: here, and by the [[thread]] table at line 6");
}

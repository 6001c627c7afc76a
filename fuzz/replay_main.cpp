// fuzz_replay [--none-refused] TARGET PATH...: runs every file under the PATHs through the
// harness of TARGET (fuzz_loader or fuzz_run), as the libFuzzer binary would. Built with the
// normal build, so ctest replays fuzz/regressions/ without clang. A finding aborts; a PATH with
// no file is an error, so a test cannot pass by replaying nothing. --none-refused: also fail when
// the loader refuses an input (for inputs that are valid scenarios).

#include "fuzz/harness.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_under(const fs::path& root) {
    std::vector<fs::path> files;
    if (fs::is_regular_file(root)) {
        files.push_back(root);
    } else if (fs::is_directory(root)) {
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            if (entry.is_regular_file()) {
                files.push_back(entry.path());
            }
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Inputs by fuzz::Outcome.
struct Tally {
    std::array<std::size_t, 4> count{};
    void add(fuzz::Outcome o) { ++count[static_cast<std::size_t>(o)]; }
    std::size_t of(fuzz::Outcome o) const { return count[static_cast<std::size_t>(o)]; }
};

/// Replays every file under `root`; false when there is none.
bool replay(const fuzz::Target& target, const char* root, Tally& tally) {
    const auto files = files_under(root);
    for (const auto& file : files) {
        std::printf("%.*s %s\n", static_cast<int>(target.name.size()), target.name.data(),
                    file.string().c_str());
        std::fflush(stdout);
        tally.add(target.fn(read_all(file)));
    }
    return !files.empty();
}

} // namespace

int main(int argc, char** argv) {
    const bool none_refused = argc > 1 && std::string_view(argv[1]) == "--none-refused";
    const int first = none_refused ? 2 : 1;
    if (argc < first + 2) {
        std::fprintf(stderr, "usage: fuzz_replay [--none-refused] TARGET PATH...\n");
        return 2;
    }
    const fuzz::Target* target = fuzz::find_target(argv[first]);
    if (target == nullptr) {
        std::fprintf(stderr, "fuzz_replay: unknown target \"%s\"\n", argv[first]);
        return 2;
    }
    Tally tally;
    for (int i = first + 1; i < argc; ++i) {
        if (!replay(*target, argv[i], tally)) {
            std::fprintf(stderr, "fuzz_replay: no input under %s\n", argv[i]);
            return 2;
        }
    }
    using fuzz::Outcome;
    std::printf("no finding: %zu refused, %zu loaded, %zu skipped (budget), %zu ran\n",
                tally.of(Outcome::refused), tally.of(Outcome::loaded), tally.of(Outcome::skipped),
                tally.of(Outcome::ran));
    if (none_refused && tally.of(Outcome::refused) > 0) {
        std::fprintf(stderr, "fuzz_replay: %zu input(s) refused by the loader\n",
                     tally.of(Outcome::refused));
        return 1;
    }
    return 0;
}

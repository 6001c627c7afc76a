// `--svg`: a self-contained timeline that parses as XML, has a lane per CPU, a legend, the
// violation highlighted, and renders with a real renderer (rsvg-convert from librsvg2-bin).

#include "support.h"

#include "kernel/record.h"

#include <cstdlib>

using namespace clitest;

namespace {

bool have_rsvg() {
    return std::system("command -v rsvg-convert >/dev/null 2>&1") == 0;
}

std::string svg_of(const TempDir& dir, const std::string& text, const std::string& policy,
                   const std::string& name) {
    const std::string file = dir.write(name + ".toml", text);
    const std::string out = dir.file(name + ".svg");
    const Cmd c = tlbsim({"run", file, "--policy", policy, "--svg", out});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_ok);
    return out;
}

void render(const std::string& svg, const std::string& png) {
    if (!have_rsvg()) {
        WARN("rsvg-convert not found (apt-get install librsvg2-bin): SVG rendering not checked");
        return;
    }
    const std::string cmd = "rsvg-convert --format=png -o '" + png + "' '" + svg + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    REQUIRE(rc == 0);
    const std::string bytes = read_file(png);
    REQUIRE(bytes.size() > 1000);
    CHECK(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
}

std::vector<std::string> texts(const XmlNode& root) {
    std::vector<std::string> out;
    for (const auto* t : root.all("text")) {
        out.push_back(t->text);
    }
    return out;
}

bool has_text(const XmlNode& root, const std::string& needle) {
    for (const auto& t : texts(root)) {
        if (t.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("the SVG timeline is well-formed, complete and renders", "[cli][svg]") {
    TempDir dir;
    const std::string svg = svg_of(dir, busy_scenario, "v5.10", "busy");
    const XmlNode root = parse_xml(read_file(svg));
    CHECK(root.name == "svg");
    CHECK(root.attrs.at("xmlns") == "http://www.w3.org/2000/svg");
    CHECK(root.attrs.count("width") == 1);
    CHECK(root.attrs.count("viewBox") == 1);
    std::set<std::string> lanes;
    for (const auto* g : root.all("g")) {
        lanes.insert(g->attrs.at("id"));
    }
    CHECK(lanes == std::set<std::string>{"cpu0", "cpu1", "cpu2"});
    // Self-contained: no external references.
    const std::string text = read_file(svg);
    CHECK(text.find("xlink:href") == std::string::npos);
    CHECK(text.find("<image") == std::string::npos);
    // Legend and axis.
    for (const char* label : {"user", "kernel", "idle loop", "interrupt handler", "CR3 write",
                              "IRET", "sync_core", "INVLPG", "sync_core (redundant)"}) {
        INFO(label);
        CHECK(has_text(root, label));
    }
    CHECK(has_text(root, "time (µs"));
    CHECK(has_text(root, "5 IPIs"));
    // IPI arrows: lines with an arrow marker, one per IPI.
    std::size_t arrows = 0;
    for (const auto* l : root.all("line")) {
        arrows += l->attrs.count("marker-end") == 1 && !l->children.empty();
    }
    CHECK(arrows == 5);
    render(svg, dir.file("busy.png"));
}

TEST_CASE("the SVG highlights the violation and explains it", "[cli][svg]") {
    TempDir dir;
    const std::string svg = svg_of(dir, violation_scenario, "rfc-v2", "v");
    const XmlNode root = parse_xml(read_file(svg));
    CHECK(has_text(root, "G-SC violated"));
    CHECK(has_text(root, "G-SC violated: a on cpu0"));
    CHECK(has_text(root, "no serializing instruction")); // the chain's last line
    render(svg, dir.file("v.png"));
}

TEST_CASE("the SVG marks each mechanism warning and lists it below the legend", "[cli][svg]") {
    TempDir dir;
    const std::string svg = svg_of(dir, violation_scenario, "rfc-v2", "w");
    const XmlNode root = parse_xml(read_file(svg));
    // rfc-v2's K2 on cpu0: an orange marker whose tooltip is the warning, a note line, the
    // count in the subtitle and the marker in the legend.
    std::vector<std::string> tooltips;
    for (const auto* p : root.all("path")) {
        if (p->attrs.count("fill") == 1 && p->attrs.at("fill") == "#ef6c00" &&
            !p->children.empty()) {
            tooltips.push_back(p->children.front().text);
        }
    }
    REQUIRE(tooltips.size() >= 2); // the lane's warning(s) and the legend's
    CHECK(tooltips.front().starts_with("K2 on cpu0 at t="));
    CHECK(tooltips.back() == "mechanism warning (K1-K5)");
    CHECK(has_text(root, "warning K2 on cpu0 at t="));
    CHECK(has_text(root, "1 violation · "));
    CHECK(has_text(root, "mechanism warning (K1-K5)"));
    render(svg, dir.file("w.png"));
}

TEST_CASE("the SVG is deterministic", "[cli][svg]") {
    TempDir dir;
    const std::string a = read_file(svg_of(dir, busy_scenario, "rfc-v2", "one"));
    const std::string b = read_file(svg_of(dir, busy_scenario, "rfc-v2", "two"));
    // The file name differs (it is in the subtitle); everything else is identical.
    std::string b_fixed = b;
    for (std::size_t p; (p = b_fixed.find("two.toml")) != std::string::npos;) {
        b_fixed.replace(p, 8, "one.toml");
    }
    CHECK(a == b_fixed);
}

TEST_CASE("the SVG legend shows every IPI kind and every mark", "[cli][svg]") {
    TempDir dir;
    const XmlNode root = parse_xml(read_file(svg_of(dir, busy_scenario, "v5.10", "legend")));
    // Legend arrows: lines with an arrow head and no tooltip (the IPIs drawn have one).
    std::map<std::string, std::string> legend_arrows; // marker-end -> stroke
    for (const auto* l : root.all("line")) {
        if (l->attrs.count("marker-end") == 1 && l->children.empty()) {
            legend_arrows[l->attrs.at("marker-end")] = l->attrs.at("stroke");
        }
    }
    std::map<std::string, std::string> heads; // marker id -> fill
    for (const auto* m : root.all("marker")) {
        heads[m->attrs.at("id")] = m->children.front().attrs.at("fill");
    }
    for (int k = 0; k <= static_cast<int>(kernel::IpiKind::sync_rq_state); ++k) {
        const std::string kind(kernel::ipi_kind_name(static_cast<kernel::IpiKind>(k)));
        INFO(kind);
        CHECK(has_text(root, kind));
        REQUIRE(legend_arrows.count("url(#arrow-" + kind + ")") == 1);
        CHECK(legend_arrows["url(#arrow-" + kind + ")"] == heads.at("arrow-" + kind));
    }
    // The kinds have colours of their own.
    std::set<std::string> colours;
    for (const auto& [marker, stroke] : legend_arrows) {
        colours.insert(stroke);
    }
    CHECK(colours.size() == legend_arrows.size());
    for (const char* label :
         {"IPI, send → handler:", "violating instruction", "violation window", "other full barrier",
          "lazy TLB (mm kept loaded)", "IPI work run by polling idle"}) {
        INFO(label);
        CHECK(has_text(root, label));
    }
    // No view: the legend does not mention one.
    for (const auto& t : texts(root)) {
        CHECK(t.rfind("view:", 0) != 0);
    }
}

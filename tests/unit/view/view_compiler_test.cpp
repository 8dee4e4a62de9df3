// Views compiled against the rules: the default view, each validation error with its exact
// file:line text, and the JSON of GET /api/view (docs/views.md).
#include "view/view_compiler.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "rulefile/rule_file_parser.hpp"
#include "reload/rule_loader.hpp"
#include "support/test_support.hpp"
#include "view/palette.hpp"
#include "view/view_json.hpp"

namespace tapemeasure::view {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Compiled {
  std::shared_ptr<const Views> views;
  std::vector<std::string> errors;
};

// Parses and compiles files given as {name, yaml}, then their views.
Compiled compile(const std::vector<std::pair<std::string, std::string>>& files) {
  rules::RuleErrors errors;
  std::vector<rules::RuleFileSpec> specs;
  for (const auto& [name, yaml] : files) specs.push_back(rules::parse_rule_file(name, yaml, errors));
  EXPECT_THAT(errors, IsEmpty()) << rules::to_string(errors);
  const auto set = rules::RuleSet::compile(specs, errors);
  EXPECT_TRUE(set) << rules::to_string(errors);
  Compiled out;
  if (!set) return out;
  out.views = compile_views(specs, *set, errors);
  for (const auto& e : errors) out.errors.push_back(e.to_string());
  EXPECT_EQ(out.views == nullptr, !out.errors.empty());
  return out;
}

std::vector<std::string> errors_of(const std::string& yaml) { return compile({{"rules/x.yml", yaml}}).errors; }

// A file with a counter m_total{mta, relay, outcome}, a histogram, and events of `types`.
std::string file_with_view(const std::string& view, const std::string& type = "delivered") {
  return "format: raw\n" + view + R"(rules:
  - name: r1
    match: '^(?P<mta>\w+) (?P<relay>\w+) (?P<outcome>\w+)'
    event: {type: )" + type + R"(, from: '${mta}', to: '${relay}'}
    metrics:
      - counter: m_total
        labels: {mta: '${mta}', relay: '${relay}', outcome: '${outcome}'}
      - histogram: h_seconds
        value: '1'
        labels: {relay: '${relay}'}
      - gauge: g
        set: '1'
)";
}

// Lines 2-6 of every file below (after "format: raw"): tiers ingress, mta, relay.
constexpr const char* kHead = R"(view:
  tiers:
    - {name: ingress}
    - {name: mta, title: MTAs}
    - {name: relay}
)";

TEST(ViewCompilerTest, CompilesTheDeclaredView) {
  const auto c = compile({{"rules/mail.yml", file_with_view(std::string(kHead) + R"(  title: Mail flow
  sink:
    title: Internet
    scale: {field: ip, kind: octet}
  types:
    delivered: {colour: blue, from: mta, to: relay, then: sink}
    expired:   {colour: '#ABCDEF', from: mta}
    relay:     {from: mta, to: relay, then: return, error: false}
  shares:
    - {title: MTA to relay, metric: m_total, rows: mta, cols: relay, where: {outcome: delivered}}
    - {metric: m_total, rows: relay, cols: mta, fair: false}
  ratios:
    - {title: bounce ratio, metric: m_total, label: outcome, part: [transient, permanent]}
    - {title: mta1 bounces, metric: m_total, label: outcome, part: [permanent], where: {mta: mta1}}
  compares:
    - {title: relays compared, metric: h_seconds, label: relay, baseline: proxy1}
    - {metric: m_total, label: mta}
)")}});
  ASSERT_THAT(c.errors, IsEmpty());
  ASSERT_EQ(c.views->views.size(), 1u);
  const View& v = c.views->views[0];
  EXPECT_EQ(v.id, "mail");
  EXPECT_EQ(v.title, "Mail flow");
  EXPECT_EQ(v.file, "rules/mail.yml");
  EXPECT_TRUE(v.declared);
  EXPECT_THAT(v.rules, ElementsAre("r1"));
  ASSERT_EQ(v.tiers.size(), 3u);
  EXPECT_EQ(v.tiers[0].title, "INGRESS");  // defaults to the name in capitals
  EXPECT_EQ(v.tiers[1].title, "MTAs");
  ASSERT_TRUE(v.has_sink);
  EXPECT_EQ(v.sink.scale.kind, ScaleKind::octet);
  EXPECT_EQ(v.sink.scale.max, 255);
  ASSERT_EQ(v.types.size(), 3u);
  EXPECT_EQ(v.types[0].colour, "#4c9aff");
  EXPECT_EQ(v.types[0].then, Then::sink);
  EXPECT_EQ(v.types[1].colour, "#abcdef");
  EXPECT_EQ(v.types[1].to, "mta");  // `to` defaults to `from`
  EXPECT_EQ(v.types[1].then, Then::stop);
  EXPECT_EQ(v.types[2].colour, std::string(kPalette[2].hex));  // no colour: the palette by position
  EXPECT_EQ(v.types[2].then, Then::return_);
  EXPECT_FALSE(v.types[2].error) << "error: false on a type that returns (a disconnect, not a failure)";
  EXPECT_FALSE(v.types[0].error) << "then: sink is no error by default";
  ASSERT_EQ(v.shares.size(), 2u);
  EXPECT_EQ(v.shares[0].where, (std::vector<std::pair<std::string, std::string>>{{"outcome", "delivered"}}));
  EXPECT_EQ(v.shares[1].title, "m_total");  // defaults to the metric's name
  EXPECT_TRUE(v.shares[0].fair) << "fair by default";
  EXPECT_FALSE(v.shares[1].fair);
  ASSERT_EQ(v.ratios.size(), 2u);
  EXPECT_THAT(v.ratios[0].part, ElementsAre("transient", "permanent"));
  EXPECT_TRUE(v.ratios[0].where.empty());
  EXPECT_EQ(v.ratios[1].where, (std::vector<std::pair<std::string, std::string>>{{"mta", "mta1"}}));
  ASSERT_EQ(v.compares.size(), 2u);
  EXPECT_EQ(v.compares[0].title, "relays compared");
  EXPECT_EQ(v.compares[0].metric, "h_seconds");
  EXPECT_EQ(v.compares[0].label, "relay");
  EXPECT_EQ(v.compares[0].baseline, "proxy1");
  EXPECT_EQ(v.compares[1].title, "m_total") << "defaults to the metric's name";
  EXPECT_EQ(v.compares[1].baseline, "") << "none: the busiest value";
  EXPECT_EQ(c.views->metrics.size(), 3u);
  EXPECT_EQ(c.views->view_of_rule("r1"), &v);
  EXPECT_EQ(c.views->view_of_rule("r2"), nullptr);
}

TEST(ViewCompilerTest, AFileWithoutViewGetsTheDefaultView) {
  const auto c = compile({{"rules/mine.yml", R"(rules:
  - name: quiet
    match: '^q'
    event: false
  - name: loud
    match: '^(?P<k>l)'
    event: {type: anything, from: a, to: b}
)"}});
  ASSERT_THAT(c.errors, IsEmpty());
  const View& v = c.views->views.at(0);
  EXPECT_EQ(v.id, "mine");
  EXPECT_EQ(v.title, "mine");
  EXPECT_FALSE(v.declared);
  EXPECT_THAT(v.rules, ElementsAre("loud"));  // only rules with events
  ASSERT_EQ(v.tiers.size(), 2u);
  EXPECT_EQ(v.tiers[0].name, "from");
  EXPECT_EQ(v.tiers[0].title, "FROM");
  EXPECT_EQ(v.tiers[1].name, "to");
  EXPECT_EQ(v.tiers[1].title, "TO");
  EXPECT_FALSE(v.has_sink);
  EXPECT_THAT(v.types, IsEmpty());
  EXPECT_THAT(v.shares, IsEmpty());
  EXPECT_THAT(v.ratios, IsEmpty());
}

TEST(ViewCompilerTest, IdsAreFileStemsMadeUnique) {
  const auto c = compile({{"a/mail.yml", "rules:\n  - {name: r1, match: x}\n"},
                          {"b/mail.yml", "rules:\n  - {name: r2, match: y}\n"},
                          {"c/mail.yaml", "rules:\n  - {name: r3, match: z}\n"}});
  ASSERT_THAT(c.errors, IsEmpty());
  ASSERT_EQ(c.views->views.size(), 3u);
  EXPECT_EQ(c.views->views[0].id, "mail");
  EXPECT_EQ(c.views->views[1].id, "mail-2");
  EXPECT_EQ(c.views->views[2].id, "mail-3");
}

TEST(ViewCompilerTest, TypeToAnUndeclaredTier) {
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mta, to: relays}\n")),
              ElementsAre("rules/x.yml:8: view: type 'delivered' goes to tier 'relays', which the view does not "
                          "declare (tiers: ingress, mta, relay)"));
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mtas}\n")),
              ElementsAre("rules/x.yml:8: view: type 'delivered' comes from tier 'mtas', which the view does not "
                          "declare (tiers: ingress, mta, relay)"));
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {colour: red}\n")),
              ElementsAre("rules/x.yml:8: view: type 'delivered' needs 'from' (a tier: ingress, mta, relay)"));
}

TEST(ViewCompilerTest, TierDeclaredTwiceOrNone) {
  EXPECT_THAT(errors_of(file_with_view("view:\n  tiers:\n    - {name: mta}\n    - {name: mta}\n  types:\n"
                                       "    delivered: {from: mta}\n")),
              ElementsAre("rules/x.yml:5: view: tier 'mta' is declared twice (first at line 4); tier names must be unique"));
  EXPECT_THAT(errors_of(file_with_view("view:\n  title: empty\n  types:\n    delivered: {from: mta}\n")),
              ElementsAre("rules/x.yml:2: view: needs at least one tier, such as tiers: [{name: mta, title: MTAs}]",
                          "rules/x.yml:5: view: type 'delivered' comes from tier 'mta', which the view does not "
                          "declare (tiers: )"));
}

TEST(ViewCompilerTest, ThenSinkWithoutASink) {
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mta, then: sink}\n")),
              ElementsAre("rules/x.yml:8: view: type 'delivered' has then: sink, but the view declares no sink "
                          "(add sink: {title: ..., scale: {field: ..., kind: ...}})"));
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mta, then: bounce}\n")),
              ElementsAre("rules/x.yml:8: view: unknown then 'bounce' for type 'delivered' (known: stop sink return fall)"));
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mta, error: maybe}\n")),
              ElementsAre("rules/x.yml:8: view: type 'delivered' has error: 'maybe'; it is true or false"));
}

TEST(ViewCompilerTest, UnknownColour) {
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {colour: bleu, from: mta}\n")),
              ElementsAre("rules/x.yml:8: view: unknown colour 'bleu' for type 'delivered' (did you mean 'blue'?)"));
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {colour: '#12345g', from: mta}\n")),
              ElementsAre("rules/x.yml:8: view: unknown colour '#12345g' for type 'delivered' (known: blue green "
                          "yellow red purple orange cyan pink grey, or #rrggbb)"));
}

TEST(ViewCompilerTest, PaletteNamesResolveToTheirHex) {
  const std::vector<std::pair<std::string, std::string>> want{
      {"green", "#3fb950"}, {"blue", "#4c9aff"},   {"yellow", "#f2cc60"}, {"red", "#ff5a52"}, {"purple", "#bc8cff"},
      {"orange", "#f0883e"}, {"cyan", "#39c5cf"}, {"pink", "#f778ba"},   {"grey", "#9aa4ae"}};
  for (const auto& [name, hex] : want) EXPECT_EQ(resolve_colour(name), hex) << name;
  EXPECT_EQ(resolve_colour("#A0b1C2"), "#a0b1c2");
  EXPECT_EQ(resolve_colour("#abc"), std::nullopt);
  EXPECT_EQ(resolve_colour("Green"), std::nullopt);
}

TEST(ViewCompilerTest, ScaleErrors) {
  const auto sink = [](const std::string& scale) {
    return errors_of(file_with_view(std::string(kHead) + "  sink:\n    title: out\n    scale: " + scale +
                                    "\n  types:\n    delivered: {from: mta, then: sink}\n"));
  };
  EXPECT_THAT(sink("{kind: octet}"),
              ElementsAre("rules/x.yml:9: view: the sink's scale needs a 'field' (the event field that sets where a dot lands)"));
  EXPECT_THAT(sink("{field: ip}"), ElementsAre("rules/x.yml:9: view: the sink's scale needs a 'kind': octet, linear or log"));
  EXPECT_THAT(sink("{field: ip, kind: octets}"),
              ElementsAre("rules/x.yml:9: view: unknown scale kind 'octets' (did you mean 'octet'?)"));
  EXPECT_THAT(sink("{field: ip, kind: octet, max: 10}"),
              ElementsAre("rules/x.yml:9: view: an octet scale is always 0-255; min and max are for linear and log"));
  EXPECT_THAT(sink("{field: bytes, kind: linear, min: 5}"),
              ElementsAre("rules/x.yml:9: view: a linear scale needs both min and max, such as {field: bytes, kind: "
                          "linear, min: 1, max: 1000}"));
  EXPECT_THAT(sink("{field: bytes, kind: linear, min: 5, max: 5}"),
              ElementsAre("rules/x.yml:9: view: a linear scale's min must be below its max (min 5, max 5)"));
  EXPECT_THAT(sink("{field: bytes, kind: log, min: 0, max: 100}"),
              ElementsAre("rules/x.yml:9: view: a log scale needs min > 0 (got 0); use linear for a range from 0"));
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  sink: {title: out}\n  types:\n    delivered: {from: mta}\n")),
              ElementsAre("rules/x.yml:7: view: the sink needs a scale, such as scale: {field: ip, kind: octet}"));
  EXPECT_THAT(sink("{field: bytes, kind: log, min: 0.5, max: 100}"), IsEmpty());
}

TEST(ViewCompilerTest, SharesAndRatiosNeedADeclaredCounterWithTheLabels) {
  const auto with = [](const std::string& section) {
    return errors_of(file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mta}\n" + section));
  };
  EXPECT_THAT(with("  shares:\n    - {metric: n_total, rows: mta, cols: relay}\n"),
              ElementsAre("rules/x.yml:10: view: share metric 'n_total' is not a counter declared by any loaded rule "
                          "(did you mean 'm_total'?)"));
  EXPECT_THAT(with("  shares:\n    - {metric: h_seconds, rows: mta, cols: relay}\n"),
              ElementsAre("rules/x.yml:10: view: share metric 'h_seconds' is a histogram; shares and ratios count a "
                          "counter's increments"));
  EXPECT_THAT(with("  shares:\n    - {metric: m_total, rows: host, cols: relay, where: {result: ok}}\n"),
              ElementsAre("rules/x.yml:10: view: share rows 'host' is not a label of m_total (known: mta relay outcome)",
                          "rules/x.yml:10: view: share where 'result' is not a label of m_total (known: mta relay outcome)"));
  EXPECT_THAT(with("  shares:\n    - {metric: m_total, rows: mta}\n"),
              ElementsAre("rules/x.yml:10: view: needs 'share cols' (a label of m_total: mta, relay, outcome)"));
  EXPECT_THAT(with("  shares:\n    - {rows: mta, cols: relay}\n"),
              ElementsAre("rules/x.yml:10: view: a share needs 'metric' (a counter declared by a loaded rule)"));
  EXPECT_THAT(with("  ratios:\n    - {metric: m_total, label: outcomes, part: [x]}\n"),
              ElementsAre("rules/x.yml:10: view: ratio label 'outcomes' is not a label of m_total (did you mean 'outcome'?)"));
  EXPECT_THAT(with("  shares:\n    - {metric: m_total, rows: mta, cols: relay, fair: sometimes}\n"),
              ElementsAre("rules/x.yml:10: view: share 'm_total' has fair: 'sometimes'; it is true or false"));
  EXPECT_THAT(with("  ratios:\n    - {metric: m_total, label: outcome, part: [x], where: {host: a}}\n"),
              ElementsAre("rules/x.yml:10: view: ratio where 'host' is not a label of m_total (known: mta relay outcome)"));
  EXPECT_THAT(with("  compares:\n    - {metric: g, label: relay}\n"),
              ElementsAre("rules/x.yml:10: view: compare metric 'g' is a gauge; a comparison reads a histogram's "
                          "observations or a counter's increments"));
  EXPECT_THAT(with("  compares:\n    - {metric: h_second, label: relay}\n"),
              ElementsAre("rules/x.yml:10: view: compare metric 'h_second' is not a histogram or counter declared by any "
                          "loaded rule (did you mean 'h_seconds'?)"));
  EXPECT_THAT(with("  compares:\n    - {metric: h_seconds, label: mta}\n"),
              ElementsAre("rules/x.yml:10: view: compare label 'mta' is not a label of h_seconds (known: relay)"));
  EXPECT_THAT(with("  compares:\n    - {label: mta}\n"),
              ElementsAre("rules/x.yml:10: view: a comparison needs 'metric' (a histogram or counter declared by a loaded rule)"));
  EXPECT_THAT(with("  ratios:\n    - {metric: m_total, label: outcome, part: []}\n"),
              ElementsAre("rules/x.yml:10: view: a ratio needs 'part', the label values counted above the line, such "
                          "as [transient, permanent]"));
}

TEST(ViewCompilerTest, ARuleTypeTheViewDoesNotDeclare) {
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    inbound: {from: ingress, to: mta}\n")),
              ElementsAre("rules/x.yml:12: rule r1: event type 'delivered' is not in this file's view (types: inbound); "
                          "add it under view: types"));
  // A template can only be known per event: not checked.
  EXPECT_THAT(errors_of(file_with_view(std::string(kHead) + "  types:\n    inbound: {from: ingress, to: mta}\n",
                                       "'${outcome}'")),
              IsEmpty());
}

TEST(ViewCompilerTest, ATypeClaimedByTwoFilesViewsNamesBoth) {
  const auto c = compile({{"rules/a.yml", file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mta}\n")},
                          {"rules/packs/b.yml",
                           "rules:\n  - {name: r2, match: 'y', event: {type: delivered}}\nview:\n  tiers: [{name: t}]\n"
                           "  types:\n    delivered: {from: t}\n"}});
  EXPECT_THAT(c.errors, ElementsAre("rules/packs/b.yml:6: view: type 'delivered' is also claimed by the view of "
                                    "rules/a.yml:8; an event type belongs to one view (load only one of the two packs)"));
  // A file without a view claims nothing: its `delivered` events are its own default view's.
  const auto d = compile({{"rules/a.yml", file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mta}\n")},
                          {"rules/mine.yml", "rules:\n  - {name: r2, match: 'y', event: {type: delivered}}\n"}});
  EXPECT_THAT(d.errors, IsEmpty());
}

TEST(ViewCompilerTest, JsonFollowsDocsViews) {
  const auto c = compile({{"rules/mail.yml", file_with_view(std::string(kHead) + R"(  title: Mail flow
  sink:
    title: Internet
    scale: {field: ip, kind: octet}
  types:
    delivered: {colour: blue, from: mta, to: relay, then: sink}
  shares:
    - {title: MTA to relay, metric: m_total, rows: mta, cols: relay}
  ratios:
    - {title: bounce ratio, metric: m_total, label: outcome, part: [transient, permanent]}
  compares:
    - {title: relays compared, metric: h_seconds, label: relay, baseline: proxy1}
)")},
                          {"rules/other.yml", "rules:\n  - {name: r2, match: 'y', event: {type: x}}\n"}});
  ASSERT_THAT(c.errors, IsEmpty());
  const auto j = nlohmann::json::parse(render_views_json(*c.views));
  const auto want = nlohmann::json::parse(R"({"views": [
    {"id": "mail", "title": "Mail flow", "file": "rules/mail.yml", "declared": true, "rules": ["r1"],
     "tiers": [{"name": "ingress", "title": "INGRESS"}, {"name": "mta", "title": "MTAs"}, {"name": "relay", "title": "RELAY"}],
     "sink": {"title": "Internet", "scale": {"field": "ip", "kind": "octet", "min": 0, "max": 255}},
     "types": [{"type": "delivered", "colour": "#4c9aff", "from": "mta", "to": "relay", "then": "sink", "error": false}],
     "shares": [{"title": "MTA to relay", "metric": "m_total", "rows": "mta", "cols": "relay", "where": {}, "fair": true}],
     "ratios": [{"title": "bounce ratio", "metric": "m_total", "label": "outcome", "part": ["transient", "permanent"],
                 "where": {}}],
     "compares": [{"title": "relays compared", "metric": "h_seconds", "label": "relay", "baseline": "proxy1"}]},
    {"id": "other", "title": "other", "file": "rules/other.yml", "declared": false, "rules": ["r2"],
     "tiers": [{"name": "from", "title": "FROM"}, {"name": "to", "title": "TO"}],
     "sink": null, "types": [], "shares": [], "ratios": [], "compares": []}],
   "palette": ["#4c9aff", "#3fb950", "#f2cc60", "#ff5a52", "#bc8cff", "#f0883e", "#39c5cf", "#f778ba", "#9aa4ae"],
   "metrics": [
    {"name": "m_total", "kind": "counter", "help": "Declared by rule r1.", "labels": ["mta", "relay", "outcome"], "buckets": []},
    {"name": "h_seconds", "kind": "histogram", "help": "Declared by rule r1.", "labels": ["relay"],
     "buckets": [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]},
    {"name": "g", "kind": "gauge", "help": "Declared by rule r1.", "labels": [], "buckets": []}]})");
  EXPECT_EQ(j, want) << j.dump(2);
  // Key order is part of the contract a reader sees: views, palette, metrics.
  EXPECT_EQ(render_views_json(*c.views).rfind("{\"views\":[{\"id\":\"mail\",\"title\":", 0), 0u);
}

// The one loader behind check, test, run and reload: view errors fail it like any other.
TEST(ViewCompilerTest, LoadRulesBuildsViewsAndFailsOnViewErrors) {
  testing::TempDir dir;
  const auto good = dir.write("good.yml", file_with_view(std::string(kHead) + "  types:\n    delivered: {from: mta}\n"));
  auto ok = reload::load_rules({good.string()});
  ASSERT_TRUE(ok.ok()) << ok.error_text();
  ASSERT_TRUE(ok.views);
  EXPECT_EQ(ok.views->views.at(0).id, "good");

  const auto bad = dir.write("bad.yml", file_with_view(std::string(kHead) + "  types:\n    delivered: {from: nowhere}\n"));
  auto failed = reload::load_rules({bad.string()});
  EXPECT_FALSE(failed.ok());
  EXPECT_TRUE(failed.compiled());  // `test` may still run the rules
  EXPECT_EQ(failed.views, nullptr);
  EXPECT_THAT(failed.error_text(), HasSubstr(bad.string() + ":8: view: type 'delivered' comes from tier 'nowhere'"));
}

// Every shipped pack's view compiles, and covers every literal type its rules emit.
TEST(ViewCompilerTest, ShippedPacksHaveViews) {
  for (const char* pack : {"rules/postfix.yml", "rules/packs/momentum.yml"}) {
    const auto r = reload::load_rules({(testing::source_dir() / pack).string()});
    ASSERT_TRUE(r.ok()) << pack << ":\n" << r.error_text();
    ASSERT_EQ(r.views->views.size(), 1u);
    const View& v = r.views->views[0];
    EXPECT_TRUE(v.declared) << pack;
    EXPECT_TRUE(v.has_sink) << pack;
    EXPECT_EQ(v.sink.scale.field, "ip") << pack;
    EXPECT_EQ(v.shares.size(), 1u) << pack;
    EXPECT_EQ(v.ratios.size(), 1u) << pack;
  }
  const auto both = reload::load_rules({(testing::source_dir() / "rules").string(),
                                       (testing::source_dir() / "rules/packs/momentum.yml").string()});
  EXPECT_FALSE(both.ok());
  EXPECT_THAT(both.error_text(), HasSubstr("view: type 'delivered' is also claimed by the view of "));
}

}  // namespace
}  // namespace tapemeasure::view

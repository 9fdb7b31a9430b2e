#include "simulator/pr_curve.hpp"

#include <algorithm>
#include <cstdio>

namespace fraud::simulator {

namespace {

double ratio(std::uint64_t a, std::uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

curve_point point(float threshold, std::uint64_t tp, std::uint64_t fp,
                  std::uint64_t fraud, std::uint64_t legit) {
  return curve_point{threshold,        tp,
                     fp,               ratio(tp, fraud),
                     ratio(tp, tp + fp), ratio(fp, legit)};
}

// Keeps `p` when it catches more fraud than the best so far within the
// budget.
void consider(operating_point& best, const curve_point& p, double budget) {
  if (p.false_decline_rate <= budget
      && (!best.found || p.fraud_declined > best.at.fraud_declined)) {
    best.found = true;
    best.at = p;
  }
}

std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t')
          out += c;
    }
  }
  return out;
}

} // namespace

pr_curve make_pr_curve(std::vector<scored_transaction> txs, double budget) {
  pr_curve c;
  std::uint64_t rules_tp = 0, rules_fp = 0;
  for (auto& t : txs) {
    ++(t.fraud ? c.fraud : c.legitimate);
    if (t.rules_declined)
      ++(t.fraud ? rules_tp : rules_fp);
  }
  c.rules_alone = point(0, rules_tp, rules_fp, c.fraud, c.legitimate);
  std::sort(txs.begin(), txs.end(),
            [](auto& a, auto& b) { return a.score > b.score; });
  std::uint64_t tp = 0, fp = 0;            // the model alone
  std::uint64_t both_tp = rules_tp, both_fp = rules_fp;  // rules or model
  double previous_recall = 0;
  for (std::size_t i = 0; i < txs.size();) {
    float threshold = txs[i].score;
    // Every transaction at this score is declined together.
    for (; i < txs.size() && txs[i].score == threshold; ++i) {
      ++(txs[i].fraud ? tp : fp);
      if (!txs[i].rules_declined)
        ++(txs[i].fraud ? both_tp : both_fp);
    }
    auto p = point(threshold, tp, fp, c.fraud, c.legitimate);
    c.average_precision += (p.recall - previous_recall) * p.precision;
    previous_recall = p.recall;
    c.points.push_back(p);
    consider(c.model_alone, p, budget);
    consider(c.with_rules,
             point(threshold, both_tp, both_fp, c.fraud, c.legitimate),
             budget);
  }
  return c;
}

std::vector<curve_point> thinned(const pr_curve& c, std::size_t max_points) {
  const auto& all = c.points;
  if (all.size() <= max_points || max_points < 2)
    return all;
  std::vector<curve_point> out;
  // Evenly by index, and every point where recall moves by a step of
  // 1/max_points: the shape at the top and bottom both survive.
  double step = 1.0 / static_cast<double>(max_points);
  double last_recall = -1;
  std::size_t stride = all.size() / max_points + 1;
  for (std::size_t i = 0; i < all.size(); ++i) {
    bool keep = i == 0 || i + 1 == all.size() || i % stride == 0
                || all[i].recall - last_recall >= step
                || (c.model_alone.found
                    && all[i].threshold == c.model_alone.at.threshold);
    if (keep) {
      out.push_back(all[i]);
      last_recall = all[i].recall;
    }
  }
  return out;
}

std::string pr_curve_svg(const pr_curve& c, const std::string& title,
                         const std::string& subtitle, double budget) {
  // The plot: recall 0-1 left to right, precision 0-1 bottom to top.
  constexpr double left = 70, top = 70, width = 560, height = 400;
  auto x = [&](double recall) { return left + recall * width; };
  auto y = [&](double precision) { return top + (1 - precision) * height; };
  std::string s;
  char buf[512];
  auto add = [&](const char* fmt, auto... args) {
    std::snprintf(buf, sizeof buf, fmt, args...);
    s += buf;
  };
  add("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
      720, 560, 720, 560);
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"360\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">"
       + escaped(title) + "</text>\n";
  s += "<text x=\"360\" y=\"48\" text-anchor=\"middle\" fill=\"#555\">"
       + escaped(subtitle) + "</text>\n";
  for (int i = 0; i <= 10; ++i) {
    double v = i / 10.0;
    add("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"#ddd\"/>\n",
        x(v), y(0), x(v), y(1));
    add("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"#ddd\"/>\n",
        x(0), y(v), x(1), y(v));
    add("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1f</text>\n",
        x(v), y(0) + 18, v);
    add("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n",
        x(0) - 6, y(v) + 4, v);
  }
  add("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
      "fill=\"none\" stroke=\"black\"/>\n",
      left, top, width, height);
  add("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">recall (fraud "
      "transactions declined)</text>\n",
      x(0.5), y(0) + 40);
  add("<text transform=\"translate(%.1f %.1f) rotate(-90)\" "
      "text-anchor=\"middle\">precision (declines that were fraud)</text>\n",
      x(0) - 45, y(0.5));
  s += "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2\" "
       "points=\"";
  for (auto& p : thinned(c, 800)) {
    add("%.2f,%.2f ", x(p.recall), y(p.precision));
  }
  s += "\"/>\n";
  auto marker = [&](const curve_point& p, const char* colour,
                    const std::string& label, int dy) {
    add("<circle cx=\"%.2f\" cy=\"%.2f\" r=\"5\" fill=\"%s\"/>\n",
        x(p.recall), y(p.precision), colour);
    add("<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\" fill=\"%s\">",
        x(p.recall) - 8, y(p.precision) + dy, colour);
    s += escaped(label) + "</text>\n";
  };
  char label[160];
  std::snprintf(label, sizeof label, "rules alone: recall %.3f",
                c.rules_alone.recall);
  marker(c.rules_alone, "#b03030", label, -8);
  if (c.model_alone.found) {
    std::snprintf(label, sizeof label,
                  "model >= %.4g: recall %.3f at false declines <= %.3g %%",
                  c.model_alone.at.threshold, c.model_alone.at.recall,
                  budget * 100);
    marker(c.model_alone.at, "#1f5fbf", label, 18);
  }
  if (c.with_rules.found) {
    std::snprintf(label, sizeof label, "rules + model >= %.4g: recall %.3f",
                  c.with_rules.at.threshold, c.with_rules.at.recall);
    marker(c.with_rules.at, "#2a8a2a", label, 34);
  }
  add("<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">%llu fraudulent, %llu "
      "legitimate transactions; average precision %.4f</text>\n",
      left, y(0) + 62, static_cast<unsigned long long>(c.fraud),
      static_cast<unsigned long long>(c.legitimate), c.average_precision);
  s += "</svg>\n";
  return s;
}

} // namespace fraud::simulator

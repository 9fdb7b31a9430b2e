#include "models/model_score.hpp"

#include "models/model_features.hpp"
#include "models/xgboost_model.hpp"

namespace fraud::models {

namespace {

class model_scored_ruleset final : public ruleset {
public:
  model_scored_ruleset(std::shared_ptr<const ruleset> rules,
                       std::shared_ptr<const tree_model> model)
    : rules_(std::move(rules)), model_(std::move(model)) {
  }

  const std::string& version() const override {
    return rules_->version();
  }

  void evaluate(const features& f, evaluation& out) const override {
    features scored = f;
    scored.model_score = model_->predict(to_model_row(f).data());
    rules_->evaluate(scored, out);
  }

private:
  std::shared_ptr<const ruleset> rules_;
  std::shared_ptr<const tree_model> model_;
};

} // namespace

expected<std::shared_ptr<const tree_model>>
load_score_model(const std::string& path) {
  auto m = load_xgboost_model(path);
  if (!m)
    return m.error();
  if (auto err = check_model_features(*m))
    return with_context(err, "model file " + path);
  return std::make_shared<const tree_model>(std::move(*m));
}

std::shared_ptr<const ruleset>
with_model_score(std::shared_ptr<const ruleset> rules,
                 std::shared_ptr<const tree_model> model) {
  if (!model)
    return rules;
  return std::make_shared<const model_scored_ruleset>(std::move(rules),
                                                      std::move(model));
}

} // namespace fraud::models

#include "models/model_score.hpp"

#include "models/model_features.hpp"
#include "models/xgboost_model.hpp"

namespace fraud::models {

namespace {

class model_scored_ruleset final : public ruleset {
public:
  model_scored_ruleset(std::shared_ptr<const ruleset> rules,
                       named_model model)
    : rules_(std::move(rules)), model_(std::move(model.model)),
      model_version_(std::move(model.version)) {
  }

  const std::string& version() const override {
    return rules_->version();
  }

  const std::string& model_version() const override {
    return model_version_;
  }

  std::vector<rule_name> rule_names() const override {
    return rules_->rule_names();
  }

  void evaluate(const features& f, evaluation& out) const override {
    features scored = f;
    scored.model_score = model_->predict(to_model_row(f).data());
    rules_->evaluate(scored, out);
    out.model_score = scored.model_score;
  }

private:
  std::shared_ptr<const ruleset> rules_;
  std::shared_ptr<const tree_model> model_;
  std::string model_version_;
};

expected<std::shared_ptr<const tree_model>>
checked(expected<tree_model> m, const std::string& origin) {
  if (!m)
    return m.error();
  if (auto err = check_model_features(*m))
    return with_context(err, origin);
  return std::make_shared<const tree_model>(std::move(*m));
}

} // namespace

expected<std::shared_ptr<const tree_model>>
load_score_model(const std::string& path) {
  return checked(load_xgboost_model(path), "model file " + path);
}

expected<std::shared_ptr<const tree_model>>
parse_score_model(std::string_view json, const std::string& origin) {
  auto m = parse_xgboost_model(json);
  if (!m)
    return with_context(m.error(), origin);
  return checked(std::move(m), origin);
}

std::shared_ptr<const ruleset>
with_model_score(std::shared_ptr<const ruleset> rules, named_model model) {
  if (!model.model)
    return rules;
  return std::make_shared<const model_scored_ruleset>(std::move(rules),
                                                      std::move(model));
}

std::shared_ptr<const ruleset>
with_model_score(std::shared_ptr<const ruleset> rules,
                 std::shared_ptr<const tree_model> model) {
  return with_model_score(std::move(rules), named_model{std::move(model), ""});
}

} // namespace fraud::models

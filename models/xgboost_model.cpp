#include "models/xgboost_model.hpp"

#include <cstdint>
#include <fstream>

#include "models/json_reader.hpp"

namespace fraud::models {

namespace {

struct parse_state {
  explicit parse_state(json_reader& r) : in(r) {
  }
  json_reader& in;
  tree_model_spec spec;
  xgboost_model_info info;
  std::string booster;
  std::int64_t num_class = 0;
  std::int64_t num_target = 1;
  std::int64_t num_trees = -1;
  std::int64_t num_feature = -1;
  bool has_base_score = false;
  bool has_trees = false;
  bool categorical = false;
  std::string refused;  // why the model is of a kind we do not evaluate

  void refuse(std::string why) {
    if (refused.empty())
      refused = std::move(why);
  }
};

template <class T, class Read>
bool read_array(json_reader& in, std::vector<T>& out, Read read_one) {
  out.clear();
  return in.array([&] {
    T v{};
    if (!read_one(v))
      return false;
    out.push_back(v);
    return true;
  });
}

bool read_ints(json_reader& in, std::vector<std::int32_t>& out) {
  return read_array(in, out, [&](std::int32_t& v) {
    std::int64_t x = 0;
    if (!in.number(x))
      return false;
    if (x < INT32_MIN || x > INT32_MAX)
      return in.fail("an index out of range");
    v = static_cast<std::int32_t>(x);
    return true;
  });
}

bool read_flags(json_reader& in, std::vector<std::uint8_t>& out) {
  return read_array(in, out, [&](std::uint8_t& v) {
    // 0/1 in XGBoost 1.x; true/false is accepted too.
    char c = in.peek();
    if (c == 't' || c == 'f') {
      v = c == 't';
      return in.skip();
    }
    std::int64_t x = 0;
    if (!in.number(x))
      return false;
    v = x != 0;
    return true;
  });
}

bool read_tree(parse_state& st, tree_spec& t) {
  auto& in = st.in;
  std::vector<std::int32_t> split_index;
  std::vector<std::int32_t> split_type;
  std::int64_t num_nodes = -1;
  std::int64_t leaf_vector = 0;
  bool has_left = false, has_right = false, has_cond = false,
       has_index = false, has_default = false;
  bool ok = in.object([&](std::string_view key) {
    if (key == "left_children")
      return has_left = read_ints(in, t.left);
    if (key == "right_children")
      return has_right = read_ints(in, t.right);
    if (key == "split_indices")
      return has_index = read_ints(in, split_index);
    if (key == "split_type")
      return read_ints(in, split_type);
    if (key == "default_left")
      return has_default = read_flags(in, t.default_left);
    if (key == "split_conditions")
      return has_cond = read_array(in, t.value,
                                   [&](float& v) { return in.number(v); });
    if (key == "tree_param")
      return in.object([&](std::string_view k) {
        if (k == "num_nodes")
          return in.number_in_string(num_nodes);
        if (k == "size_leaf_vector")
          return in.number_in_string(leaf_vector);
        return in.skip();
      });
    return in.skip();
  });
  if (!ok)
    return false;
  if (!has_left || !has_right || !has_cond || !has_index || !has_default)
    return in.fail("a tree without left_children, right_children, "
                   "split_conditions, split_indices or default_left");
  if (num_nodes != static_cast<std::int64_t>(t.left.size()))
    return in.fail("a tree whose num_nodes differs from its arrays");
  if (split_index.size() != t.left.size())
    return in.fail("a tree whose split_indices differ in length");
  t.feature.resize(split_index.size());
  for (std::size_t i = 0; i < split_index.size(); ++i) {
    if (split_index[i] < 0)
      return in.fail("a negative split index");
    t.feature[i] = static_cast<std::uint32_t>(split_index[i]);
  }
  if (leaf_vector > 1)
    st.refuse("its trees have vector leaves (a multi-output model)");
  for (auto s : split_type)
    if (s != 0)
      st.categorical = true;
  return true;
}

bool read_booster(parse_state& st) {
  auto& in = st.in;
  return in.object([&](std::string_view key) {
    if (key == "name") {
      if (!in.string(st.booster))
        return false;
      if (st.booster != "gbtree")
        st.refuse("its booster is " + st.booster
                  + "; only gbtree is evaluated (dart weighs its trees, "
                    "gblinear has none)");
      return true;
    }
    if (key != "model")
      return in.skip();
    return in.object([&](std::string_view k) {
      if (k == "gbtree_model_param")
        return in.object([&](std::string_view p) {
          if (p == "num_trees")
            return in.number_in_string(st.num_trees);
          return in.skip();
        });
      if (k == "tree_info")
        return in.array([&] {
          std::int64_t group = 0;
          if (!in.number(group))
            return false;
          if (group != 0)
            st.refuse("it has more than one output group (multi-class)");
          return true;
        });
      if (k == "trees") {
        st.has_trees = true;
        return in.array([&] {
          st.spec.trees.emplace_back();
          return read_tree(st, st.spec.trees.back());
        });
      }
      return in.skip();
    });
  });
}

bool read_learner(parse_state& st) {
  auto& in = st.in;
  return in.object([&](std::string_view key) {
    if (key == "feature_names")
      return in.array([&] {
        st.spec.feature_names.emplace_back();
        return in.string(st.spec.feature_names.back());
      });
    if (key == "feature_types")
      return in.array([&] {
        std::string type;
        if (!in.string(type))
          return false;
        if (type == "c")
          st.categorical = true;
        return true;
      });
    if (key == "gradient_booster")
      return read_booster(st);
    if (key == "attributes")
      return in.object([&](std::string_view name) {
        return in.string(st.info.attributes[std::string{name}]);
      });
    if (key == "learner_model_param")
      return in.object([&](std::string_view p) {
        if (p == "base_score")
          return st.has_base_score = in.number_in_string(st.spec.base_score);
        if (p == "num_class")
          return in.number_in_string(st.num_class);
        if (p == "num_feature")
          return in.number_in_string(st.num_feature);
        if (p == "num_target")
          return in.number_in_string(st.num_target);
        return in.skip();
      });
    if (key == "objective")
      return in.object([&](std::string_view o) {
        if (o == "name")
          return in.string(st.info.objective);
        return in.skip();
      });
    return in.skip();
  });
}

bool read_document(parse_state& st) {
  auto& in = st.in;
  bool has_learner = false;
  bool ok = in.object([&](std::string_view key) {
    if (key == "learner")
      return has_learner = read_learner(st);
    if (key == "version") {
      st.info.version.clear();
      return in.array([&] {
        std::int64_t part = 0;
        if (!in.number(part))
          return false;
        if (!st.info.version.empty())
          st.info.version += '.';
        st.info.version += std::to_string(part);
        return true;
      });
    }
    return in.skip();
  });
  if (!ok)
    return false;
  if (!in.at_end())
    return in.fail("text after the model");
  if (!has_learner)
    return in.fail("no \"learner\": not a saved XGBoost model");
  return true;
}

} // namespace

expected<tree_model> parse_xgboost_model(std::string_view json,
                                         xgboost_model_info* info,
                                         tree_evaluator evaluator) {
  json_reader in{json};
  parse_state st{in};
  st.spec.base_score = 0;
  if (!read_document(st))
    return make_error(ec::malformed, "not a readable XGBoost JSON model: "
                                       + in.error());
  if (info)
    *info = st.info;
  auto refuse = [](const std::string& why) {
    return make_error(ec::config_error, "a model we do not evaluate: " + why);
  };
  if (st.info.objective != "binary:logistic")
    return refuse("its objective is "
                  + (st.info.objective.empty() ? std::string{"not given"}
                                               : st.info.objective)
                  + "; only binary:logistic (a probability) is evaluated");
  if (!st.refused.empty())
    return refuse(st.refused);
  if (st.categorical)
    return refuse("it has categorical splits; train on numbers");
  if (st.num_class > 1 || st.num_target > 1)
    return refuse("it has more than one output");
  if (!st.has_trees || st.booster.empty() || st.num_feature < 0
      || !st.has_base_score)
    return make_error(ec::malformed,
                      "not a complete XGBoost model: trees, booster, "
                      "num_feature or base_score missing");
  if (st.num_trees != static_cast<std::int64_t>(st.spec.trees.size()))
    return make_error(ec::malformed,
                      "num_trees says " + std::to_string(st.num_trees)
                        + " but the file holds "
                        + std::to_string(st.spec.trees.size()));
  if (st.num_feature == 0 || st.num_feature > UINT32_MAX / 2)
    return make_error(ec::malformed, "num_feature out of range");
  st.spec.feature_count = static_cast<std::uint32_t>(st.num_feature);
  return tree_model::build(st.spec, evaluator);
}

expected<tree_model> load_xgboost_model(const std::string& path,
                                        xgboost_model_info* info) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(ec::config_error, "cannot read model file " + path);
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  in.seekg(0);
  if (size < 0 || static_cast<std::size_t>(size) > max_model_file_bytes)
    return make_error(ec::config_error,
                      "model file " + path + " is larger than "
                        + std::to_string(max_model_file_bytes >> 20) + " MiB");
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), size))
    return make_error(ec::config_error, "cannot read model file " + path);
  auto m = parse_xgboost_model(text, info);
  if (!m)
    return with_context(m.error(), "model file " + path);
  return m;
}

} // namespace fraud::models

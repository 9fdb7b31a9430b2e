#include "simulator/xgboost_booster.hpp"

#include <cmath>
#include <xgboost/c_api.h>

namespace fraud::simulator {

namespace {

fraud::error failed(const std::string& what) {
  return make_error(ec::internal, "XGBoost " + what + ": " + XGBGetLastError());
}

} // namespace

expected<xgb_matrix> xgb_matrix::from_rows(const float* x, std::size_t rows,
                                           std::size_t cols,
                                           const float* labels) {
  DMatrixHandle h = nullptr;
  if (XGDMatrixCreateFromMat(x, rows, cols, std::nanf(""), &h) != 0)
    return failed("matrix");
  xgb_matrix m{h};
  if (labels && XGDMatrixSetFloatInfo(h, "label", labels, rows) != 0)
    return failed("labels");
  return m;
}

xgb_matrix& xgb_matrix::operator=(xgb_matrix&& o) noexcept {
  std::swap(h_, o.h_);
  return *this;
}

xgb_matrix::~xgb_matrix() {
  if (h_)
    XGDMatrixFree(h_);
}

expected<xgb_booster> xgb_booster::create(const xgb_matrix& train) {
  BoosterHandle h = nullptr;
  DMatrixHandle dm = train.handle();
  if (XGBoosterCreate(&dm, 1, &h) != 0)
    return failed("booster");
  return xgb_booster{h};
}

expected<xgb_booster> xgb_booster::from_json(const std::string& json) {
  BoosterHandle h = nullptr;
  if (XGBoosterCreate(nullptr, 0, &h) != 0)
    return failed("booster");
  xgb_booster b{h};
  if (XGBoosterLoadModelFromBuffer(h, json.data(), json.size()) != 0)
    return failed("loading a model");
  return b;
}

xgb_booster& xgb_booster::operator=(xgb_booster&& o) noexcept {
  std::swap(h_, o.h_);
  return *this;
}

xgb_booster::~xgb_booster() {
  if (h_)
    XGBoosterFree(h_);
}

fraud::error xgb_booster::set(const std::string& name,
                              const std::string& value) {
  if (XGBoosterSetParam(h_, name.c_str(), value.c_str()) != 0)
    return failed("parameter " + name + "=" + value);
  return {};
}

fraud::error
xgb_booster::set_feature_names(const std::vector<std::string>& names) {
  std::vector<const char*> p;
  for (auto& n : names)
    p.push_back(n.c_str());
  if (XGBoosterSetStrFeatureInfo(h_, "feature_name", p.data(), p.size()) != 0)
    return failed("feature names");
  return {};
}

fraud::error xgb_booster::set_attribute(const std::string& key,
                                        const std::string& value) {
  if (XGBoosterSetAttr(h_, key.c_str(), value.c_str()) != 0)
    return failed("attribute " + key);
  return {};
}

fraud::error xgb_booster::update(int iteration, const xgb_matrix& train) {
  if (XGBoosterUpdateOneIter(h_, iteration, train.handle()) != 0)
    return failed("round " + std::to_string(iteration));
  return {};
}

expected<std::string> xgb_booster::evaluate(
  int iteration,
  const std::vector<std::pair<const xgb_matrix*, std::string>>& sets) {
  std::vector<DMatrixHandle> m;
  std::vector<const char*> names;
  for (auto& [mat, name] : sets) {
    m.push_back(mat->handle());
    names.push_back(name.c_str());
  }
  const char* out = nullptr;
  if (XGBoosterEvalOneIter(h_, iteration, m.data(), names.data(), m.size(),
                           &out)
      != 0)
    return failed("evaluation");
  return std::string{out};
}

expected<std::vector<float>> xgb_booster::predict(const xgb_matrix& m) {
  bst_ulong n = 0;
  const float* out = nullptr;
  if (XGBoosterPredict(h_, m.handle(), 0, 0, 0, &n, &out) != 0)
    return failed("predict");
  return std::vector<float>(out, out + n);
}

expected<std::string> xgb_booster::to_json() {
  bst_ulong n = 0;
  const char* out = nullptr;
  if (XGBoosterSaveModelToBuffer(h_, R"({"format": "json"})", &n, &out) != 0)
    return failed("saving the model");
  return std::string(out, n);
}

} // namespace fraud::simulator

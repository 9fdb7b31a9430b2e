// Device ids and IP addresses of everyone in a simulation, cardholders and
// fraudsters alike, drawn by the same functions (see identifiers.hpp).
// Records refer to them by index. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "simulator/identifiers.hpp"

namespace fraud::simulator {

class identity_pool {
public:
  int new_device(rng& r) {
    devices_.push_back(make_device_id(r));
    return static_cast<int>(devices_.size()) - 1;
  }

  int new_ip(rng& r) {
    ips_.push_back(make_ip(r));
    return static_cast<int>(ips_.size()) - 1;
  }

  const std::string& device(int i) const { return devices_[i]; }
  const std::string& ip(int i) const { return ips_[i]; }

private:
  std::vector<std::string> devices_;
  std::vector<std::string> ips_;
};

} // namespace fraud::simulator

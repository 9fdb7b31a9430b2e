// Identifiers as an issuer sees them. Every identifier of a kind comes from
// one function, whoever uses it: a fraudster's device, IP address or card is
// drawn exactly like a cardholder's, so that no identifier gives fraud away.
#pragma once

#include <string>

#include "simulator/random.hpp"

namespace fraud::simulator {

/// "tok_" and 20 letters and digits: a tokenised card, never a number.
std::string make_card_token(rng& r);

/// "acc_" and 16 letters and digits.
std::string make_account_id(rng& r);

/// "mer_" and 14 letters and digits.
std::string make_merchant_id(rng& r);

/// "tx_" and 20 letters and digits.
std::string make_tx_id(rng& r);

/// A random version-4 UUID, as phones and browsers report device ids.
std::string make_device_id(rng& r);

/// A public IPv4 address (three in four) or an IPv6 address.
std::string make_ip(rng& r);

} // namespace fraud::simulator

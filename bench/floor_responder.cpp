// The floor: what NATS alone costs. Answers every request on fraud.tx.*
// with the same encoded Decision, built once at start; no parsing, no state,
// no second publication.
#include <string>

#include <CLI/CLI.hpp>

#include "bench/nats_responder.hpp"
#include "protocol/codec.hpp"

namespace {

void on_request(natsConnection* nc, natsSubscription*, natsMsg* msg,
                void* closure) {
  auto* decision = static_cast<const std::string*>(closure);
  if (const char* reply = natsMsg_GetReply(msg))
    natsConnection_Publish(nc, reply, decision->data(),
                           static_cast<int>(decision->size()));
  natsMsg_Destroy(msg);
}

} // namespace

int main(int argc, char** argv) {
  fraud::bench::block_stop_signals();
  fraud::bench::responder_options opts;
  opts.name = "floor";
  CLI::App app{"floor_responder: a bare nats.c responder with a fixed "
               "decision"};
  fraud::bench::declare_responder_options(app, opts);
  CLI11_PARSE(app, argc, argv);

  fraud::models::decision d;
  d.tx_id = "tx-0000000";
  d.card_id = "card-000000";
  d.ruleset_version = "default-1";
  fraud::protocol::decision_envelope env;
  std::string decision;
  fraud::protocol::encode_decision(d, env, decision);
  return fraud::bench::run_responder(opts, on_request, &decision);
}

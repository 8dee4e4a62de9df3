#pragma once
// The per-client rate cap's contract, in one place: no WebSocket client receives more than
// its cap (--ws-max-rate, or less if it asked) in any one-second window, measured where it
// receives them. Two parts keep it: the hub's TokenBucket (token_bucket.hpp) chooses which
// events a client gets, spread evenly over the input; the session's ReceiptWindow
// (receipt_window.hpp) holds frames back so that a client that stalls and catches up gets
// no burst. Both aim a little under the cap, at kCapShare of it.
namespace tapemeasure::stream {

// A client stamps receipt when its event loop gets to a frame, a little after the bytes
// arrived, and frames leave every ~16 ms: events shift by up to a frame between our clock
// and the client's. 2% of slack keeps every one-second window of receipt times at or
// under the cap.
inline constexpr double kCapShare = 0.98;

// Rates are clamped to this range before any arithmetic: a client may ask for
// {"max_rate": 1e-300}, and one event per 1e302 s overflows every clock type (undefined
// behaviour). Below kMinRate a client gets kMinRate; 0 means "send me no events".
inline constexpr double kMinRate = 0.01;  // one event per 100 s
inline constexpr double kMaxRate = 1e9;

inline double clamp_rate(double rate) {
  if (!(rate > 0)) return 0;  // also NaN
  if (rate < kMinRate) return kMinRate;
  return rate > kMaxRate ? kMaxRate : rate;
}

}  // namespace tapemeasure::stream

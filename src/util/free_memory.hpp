#pragma once
// Hands memory the process no longer uses back to the kernel. glibc's allocator keeps freed
// memory in its arenas for reuse; after 500 browsers that stopped reading leave (each with
// megabytes of queued frames and a compressor's state, freed on two threads' arenas) the
// daemon kept 1.18 GiB resident for good. Called when clients have left, at most once a
// second: a trim walks every arena, which costs about a millisecond.
namespace tapemeasure::util {

// Whether the allocator released anything.
bool return_free_memory();

}  // namespace tapemeasure::util

// The loader's own allocator over the platform's pages: no malloc exists when ld.so starts.
// Small blocks come from power-of-two size classes with free lists; large ones get their own
// pages. Not thread-safe: callers hold the loader lock.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

namespace rtld {

// Types whose default construction leaves only zero bytes, so that Arena::make need not run it
// over allocate()'s zeroes: the trivially default-constructible ones, and those declared so
// (next to their definition, with a check of their defaults).
template <class T>
inline constexpr bool kZeroConstructed = std::is_trivially_default_constructible_v<T>;

// How Arena::make builds a T in allocate()'s zeroes: by its constructor, unless a type
// supplies its own (setting only what T() would not leave zero; a unit test compares the two).
template <class T>
inline void construct_over_zeroes(T* p) {
  new (p) T();
}

class Arena {
 public:
  void* allocate(size_t size);  // 16-byte aligned, zero-filled; nullptr when out of memory
  void release(void* p);
  // Zero-filled memory with each element constructed (default member initialisers run). An
  // element that value-initialisation would only zero (a pointer, a plain struct) is left as
  // allocate() zeroed it.
  template <class T>
  T* make(size_t count = 1) {
    T* p = static_cast<T*>(allocate(sizeof(T) * count));
    if constexpr (!kZeroConstructed<T>)
      if (p)
        for (size_t i = 0; i < count; ++i) construct_over_zeroes(p + i);
    return p;
  }
  char* copy_string(const char* s);
  char* copy_string(const char* s, size_t n);
  // Memory to carve blocks from before asking the platform for pages: zero-filled, 16-byte
  // aligned, never given back (ld.so's start-up needs no mmap for its first objects).
  void seed(void* p, size_t n) {
    chunk_cur_ = reinterpret_cast<uintptr_t>(p);
    chunk_end_ = chunk_cur_ + n;
  }

 private:
  void* allocate_slow(size_t size);
  static constexpr int kClasses = 9;  // 16 .. 4096 bytes
  struct FreeBlock {
    FreeBlock* next;
  };
  FreeBlock* free_[kClasses] = {};
  uintptr_t chunk_cur_ = 0, chunk_end_ = 0;
};

}  // namespace rtld

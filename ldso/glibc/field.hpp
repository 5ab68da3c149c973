// Typed access to glibc's private structures by the generated layout descriptors. The C++ type
// used for a field must have exactly the size the debug info gives it.
#pragma once
#include <cstddef>
#include <cstdint>

#include "layout-debian-2.36.hpp"

namespace ldso::glibc {

namespace L = ::glibc::layout;

template <class Field, class T>
inline T& at(void* base) {
  static_assert(sizeof(T) == Field::size, "C++ type does not match the field's size in glibc");
  return *reinterpret_cast<T*>(static_cast<char*>(base) + Field::offset);
}

template <class Field>
inline void* address_of(void* base) {
  return static_cast<char*>(base) + Field::offset;
}

template <class Field>
inline void set_bits(void* base, unsigned value) {
  static_assert(Field::bit + Field::bits <= 8, "bit-field spans bytes");
  auto& byte = static_cast<uint8_t*>(base)[Field::offset];
  constexpr unsigned mask = ((1u << Field::bits) - 1) << Field::bit;
  byte = static_cast<uint8_t>((byte & ~mask) | ((value << Field::bit) & mask));
}

template <class Field>
inline unsigned get_bits(const void* base) {
  auto byte = static_cast<const uint8_t*>(base)[Field::offset];
  return (byte >> Field::bit) & ((1u << Field::bits) - 1);
}

}  // namespace ldso::glibc

#include "support/system_objects.hpp"

#include <link.h>

namespace testing_support {

std::vector<SystemObject> system_objects() {
  std::vector<SystemObject> out;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        static_cast<std::vector<SystemObject>*>(data)->push_back(
            {info->dlpi_name ? info->dlpi_name : "", info->dlpi_addr, info->dlpi_phdr,
             info->dlpi_phnum});
        return 0;
      },
      &out);
  return out;
}

}  // namespace testing_support

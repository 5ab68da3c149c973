// C++ hello world with iostream, std::string, containers, algorithms and formatting.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::cout << "hello, C++ world" << std::endl;
  std::vector<std::string> words(argv + 1, argv + argc);
  std::sort(words.begin(), words.end());
  for (const auto& w : words) std::cout << "word: " << w << '\n';
  std::map<std::string, int> counts;
  for (const char* s : {"b", "a", "c", "a", "b", "a"}) ++counts[s];
  for (const auto& [k, v] : counts) std::cout << k << '=' << v << ' ';
  std::cout << '\n';
  std::ostringstream os;
  os << std::hex << 255 << ' ' << std::setw(8) << std::setfill('0') << 42 << ' '
     << std::fixed << std::setprecision(3) << 3.14159;
  std::cout << os.str() << '\n';
  std::string line, all;
  while (std::getline(std::cin, line)) all += "[" + line + "]";
  std::cout << "stdin: " << all << '\n';
  std::cerr << "cerr works" << std::endl;
  return 7;
}

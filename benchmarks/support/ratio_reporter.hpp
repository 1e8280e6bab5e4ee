#pragma once
// A console reporter that, after the usual table, prints each fabtwin variant's time as a ratio to
// the baseline measured in the same run. Benchmarks are named "<group>/<variant>" with the size as
// their argument; the
// baselines are the variants listed in `baselines` (variant -> its baseline). With repetitions the
// medians are compared, otherwise the single runs.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace fabtwin::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(std::map<std::string, std::string> baselines)
      : baselines_(std::move(baselines)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median) continue;
      // function_name = group/variant (the group may itself hold slashes); args = the size
      const std::string& function = run.run_name.function_name;
      const auto slash = function.rfind('/');
      if (slash == std::string::npos) continue;
      const std::string group = function.substr(0, slash);
      const std::string variant = function.substr(slash + 1);
      const std::string& size = run.run_name.args;
      auto& slot = times_[{group, size, variant}];
      if (median || !slot.from_median) slot = {run.GetAdjustedRealTime(), median};
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf(
        "\nRatios to the baseline measured in this run (time / baseline time; <1 is faster):\n");
    std::printf("%-28s %-8s %-16s %-10s %10s\n", "group", "size", "variant", "baseline", "ratio");
    for (const auto& [key, time] : times_) {
      const auto& [group, size, variant] = key;
      auto baseline = baselines_.find(variant);
      if (baseline == baselines_.end()) continue;
      auto reference = times_.find({group, size, baseline->second});
      if (reference == times_.end()) continue;
      std::printf("%-28s %-8s %-16s %-10s %10.3f\n", group.c_str(), size.c_str(), variant.c_str(),
                  baseline->second.c_str(), time.value / reference->second.value);
    }
  }

 private:
  struct Time {
    double value = 0;
    bool from_median = false;
  };
  std::map<std::string, std::string> baselines_;
  std::map<std::tuple<std::string, std::string, std::string>, Time> times_;
};

/// main() body for fabtwin benchmarks: Google Benchmark's, with the ratio table added.
inline int run_with_ratios(int argc, char** argv, std::map<std::string, std::string> baselines) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter(std::move(baselines));
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace fabtwin::bench

#include "processprobe.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace ssebench {

namespace {

bool readCpu(int pid, double *userSeconds, double *systemSeconds)
{
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const size_t paren = text.rfind(')');
    if (paren == std::string::npos)
        return false;
    std::istringstream fields(text.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14)
            utime = std::strtoull(field.c_str(), nullptr, 10);
        if (index == 15) {
            stime = std::strtoull(field.c_str(), nullptr, 10);
            break;
        }
    }
    *userSeconds = double(utime) / double(sysconf(_SC_CLK_TCK));
    *systemSeconds = double(stime) / double(sysconf(_SC_CLK_TCK));
    return true;
}

// Sums the run time of every live thread; far finer than clock ticks, which matters for
// phases that cost the server only tens of milliseconds (late-join replay).
bool readRunTime(int pid, double *seconds)
{
    const std::string taskDir = "/proc/" + std::to_string(pid) + "/task";
    DIR *dir = opendir(taskDir.c_str());
    if (!dir)
        return false;
    unsigned long long total = 0;
    bool any = false;
    while (dirent *entry = readdir(dir)) {
        if (entry->d_name[0] == '.')
            continue;
        std::ifstream file(taskDir + "/" + entry->d_name + "/schedstat");
        unsigned long long runNs = 0;
        if (file >> runNs) {
            total += runNs;
            any = true;
        }
    }
    closedir(dir);
    *seconds = double(total) / 1e9;
    return any;
}

void readMemory(int pid, int64_t *rssKb, int64_t *hwmKb)
{
    std::ifstream file("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(file, line)) {
        if (line.compare(0, 6, "VmRSS:") == 0)
            *rssKb += std::strtoll(line.c_str() + 6, nullptr, 10);
        else if (line.compare(0, 6, "VmHWM:") == 0)
            *hwmKb += std::strtoll(line.c_str() + 6, nullptr, 10);
    }
}

} // namespace

ProcessSample sampleProcesses(const std::vector<int> &pids)
{
    ProcessSample sample;
    for (int pid : pids) {
        double userSeconds = 0;
        double systemSeconds = 0;
        if (!readCpu(pid, &userSeconds, &systemSeconds))
            continue;
        const double seconds = userSeconds + systemSeconds;
        sample.valid = true;
        sample.tickCpuSeconds += seconds;
        sample.tickUserSeconds += userSeconds;
        sample.tickSystemSeconds += systemSeconds;
        double runTime = 0;
        sample.cpuSeconds += readRunTime(pid, &runTime) ? runTime : seconds;
        readMemory(pid, &sample.rssKb, &sample.hwmKb);
    }
    return sample;
}

} // namespace ssebench

#include "redisprobe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

namespace ssebench {

namespace {

bool query(const std::string &address, std::string *reply, std::string *error)
{
    const size_t colon = address.rfind(':');
    sockaddr_in target {};
    target.sin_family = AF_INET;
    target.sin_port = htons(uint16_t(std::atoi(address.c_str() + colon + 1)));
    if (colon == std::string::npos
        || inet_pton(AF_INET, address.substr(0, colon).c_str(), &target.sin_addr) != 1) {
        *error = "bad Redis address " + address;
        return false;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = "socket failed";
        return false;
    }
    timeval timeout {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const std::string request
        = "*4\r\n$4\r\nINFO\r\n$3\r\ncpu\r\n$5\r\nstats\r\n$12\r\ncommandstats\r\n";
    bool ok = ::connect(fd, reinterpret_cast<const sockaddr *>(&target), sizeof target) == 0
        && ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size());
    // A bulk string: "$LENGTH\r\n" then LENGTH bytes and "\r\n".
    std::string in;
    long long length = -1;
    char buffer[16384];
    while (ok) {
        const size_t head = in.find("\r\n");
        if (head != std::string::npos && length < 0) {
            if (in[0] != '$') {
                *error = "Redis answered " + in.substr(0, head);
                ok = false;
                break;
            }
            length = std::atoll(in.c_str() + 1);
            in.erase(0, head + 2);
        }
        if (length >= 0 && in.size() >= size_t(length))
            break;
        const ssize_t count = ::recv(fd, buffer, sizeof buffer, 0);
        if (count <= 0) {
            *error = "no answer from Redis at " + address;
            ok = false;
            break;
        }
        in.append(buffer, size_t(count));
    }
    ::close(fd);
    if (ok)
        *reply = in.substr(0, size_t(length));
    return ok;
}

} // namespace

RedisSample sampleRedis(const std::string &address, std::string *error)
{
    RedisSample sample;
    std::string reply;
    std::string ignored;
    if (!query(address, &reply, error ? error : &ignored))
        return sample;
    std::istringstream lines(reply);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        const size_t colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        const std::string key = line.substr(0, colon);
        const char *value = line.c_str() + colon + 1;
        if (key == "used_cpu_sys" || key == "used_cpu_user")
            sample.cpuSeconds += std::atof(value);
        else if (key == "total_commands_processed")
            sample.commands = std::atoll(value);
        else if (key.compare(0, 8, "cmdstat_") == 0) {
            const char *calls = std::strstr(value, "calls=");
            if (calls)
                sample.calls[key.substr(8)] = std::atoll(calls + 6);
        }
    }
    sample.valid = true;
    return sample;
}

} // namespace ssebench

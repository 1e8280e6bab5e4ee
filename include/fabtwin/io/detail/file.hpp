#pragma once
// Whole files read and written with errors that name the path and the system's reason: every
// failure is an io_error, never the exceptions of the standard streams (an std::ifstream opens a
// folder and throws std::ios_base::failure from its first read) or of <filesystem>'s throwing
// overloads, and never a half-written file.
//
// Reading: the path is checked first, so that a missing path, a folder or a device is named as
// such, then read with C stdio. Only regular files (or links to them) are read: a pipe or a device
// could block or never end.
//
// Writing is all or nothing. Each file is written to a temporary sibling "<name>.tmp-<pid>-<n>" in
// the same folder and renamed over the target only once every byte has been written, flushed and
// closed without error; rename within one file system replaces the target in one step (POSIX
// rename(2)). On any failure the temporary is removed and the target keeps its old content, or
// stays absent. This guards against errors the system reports (a full disk, a blocked name, a
// quota), not against a power cut, which would also need fsync.
// Several files that belong together (a data set and the file declaring it) go through one
// StagedFiles: all are written before any is renamed, so a failure while writing leaves the old set
// whole; the declaring file is staged last, and its old version is removed before the others are
// renamed, so a reader never finds a declaration next to data it does not describe.
// POSIX (getpid, fstat, access).

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "fabtwin/core/error.hpp"

namespace fabtwin::io::detail {

/// io_error "fabtwin::<where>: cannot <action> '<path>': <reason>".
inline io_error file_error(std::string_view where, std::string_view action,
                           const std::filesystem::path& path, std::string_view reason) {
  std::string message = "fabtwin::";
  message.append(where).append(": cannot ").append(action).append(" '").append(path.string());
  message.append("': ").append(reason);
  return io_error(message);
}

/// The kind of a file that is neither regular nor a folder, for messages.
inline const char* file_kind(std::filesystem::file_type type) {
  switch (type) {
    case std::filesystem::file_type::block:
      return "block device";
    case std::filesystem::file_type::character:
      return "character device";
    case std::filesystem::file_type::fifo:
      return "named pipe";
    case std::filesystem::file_type::socket:
      return "socket";
    default:
      return "special file";
  }
}

/// Why `path` cannot be read as a file ("" when it is a regular file, or a link to one).
inline std::string not_a_file(const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  switch (status.type()) {
    case std::filesystem::file_type::regular:
      return "";
    case std::filesystem::file_type::not_found:
      return "it does not exist (" + (ec ? ec.message() : std::string("no such file")) + ")";
    case std::filesystem::file_type::directory:
      return "it is a directory; expected a file";
    case std::filesystem::file_type::none:
    case std::filesystem::file_type::unknown:
      return ec ? ec.message() : "its type is unknown";
    default:
      return "it is a " + std::string(file_kind(status.type())) + "; expected a regular file";
  }
}

/// Why `path` is not a folder ("" when it is one, or a link to one).
inline std::string not_a_folder(const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  switch (status.type()) {
    case std::filesystem::file_type::directory:
      return "";
    case std::filesystem::file_type::not_found:
      return "it does not exist (" + (ec ? ec.message() : std::string("no such directory")) + ")";
    case std::filesystem::file_type::regular:
      return "it is a file";
    case std::filesystem::file_type::none:
    case std::filesystem::file_type::unknown:
      return ec ? ec.message() : "its type is unknown";
    default:
      return "it is a " + std::string(file_kind(status.type()));
  }
}

/// A regular file open for reading; io_error naming `where`, the path and the reason otherwise.
class InputFile {
 public:
  InputFile(const std::filesystem::path& path, std::string_view where)
      : path_(path), where_(where) {
    if (const std::string reason = not_a_file(path_); !reason.empty())
      throw file_error(where_, "read", path_, reason);
    file_ = std::fopen(path_.c_str(), "rb");
    if (!file_) throw file_error(where_, "read", path_, std::strerror(errno));
    struct stat info {};
    if (fstat(fileno(file_), &info) != 0) {
      const int error = errno;
      std::fclose(file_);
      throw file_error(where_, "read", path_, std::strerror(error));
    }
    size_ = std::uintmax_t(info.st_size);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() { std::fclose(file_); }

  const std::filesystem::path& path() const { return path_; }
  /// Bytes in the file when it was opened.
  std::uintmax_t size() const { return size_; }

  /// Reads up to `count` bytes into `out`; returns how many were read, fewer only at the end of the
  /// file. io_error (path, strerror) when the system reports a read error.
  std::size_t read(void* out, std::size_t count) {
    const std::size_t got = count ? std::fread(out, 1, count, file_) : 0;
    if (got < count && std::ferror(file_))
      throw file_error(where_, "read", path_, std::strerror(errno));
    return got;
  }

  /// The rest of the file, up to its end (which may lie beyond size() if it grew meanwhile).
  std::string read_rest() {
    std::string bytes;
    std::size_t used = 0;
    for (std::size_t want = std::size_t(size_) + 1;; want = 2 * bytes.size()) {
      ::fabtwin::detail::allocate_or_throw(where_, double(want),
                                           "the content of '" + path_.string() + "'",
                                           "that file's size", [&] { bytes.resize(want); });
      used += read(bytes.data() + used, bytes.size() - used);
      if (used < bytes.size()) break;
    }
    bytes.resize(used);
    return bytes;
  }

 private:
  std::filesystem::path path_;
  std::string where_;
  std::FILE* file_ = nullptr;
  std::uintmax_t size_ = 0;
};

/// The whole content of the regular file at `path` (see InputFile for the errors).
inline std::string read_file(const std::filesystem::path& path, std::string_view where) {
  return InputFile(path, where).read_rest();
}

/// Creates the folder `dir` and its missing parents; io_error when that fails or a file of that
/// name is in the way.
inline void create_folder(const std::filesystem::path& dir, std::string_view where) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!ec && std::filesystem::is_directory(std::filesystem::status(dir, ec))) return;
  throw file_error(where, "create the folder", dir,
                   ec ? ec.message() : std::string("a file of that name is in the way"));
}

/// Removes the file at `path` if there is one; io_error when it cannot be removed.
inline void remove_file(const std::filesystem::path& path, std::string_view where) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) throw file_error(where, "remove", path, ec.message());
}

/// Files written all or nothing (see the file comment): stage() writes each to a temporary
/// sibling, commit() renames them into place in the order staged; whatever is still staged when
/// the object dies (an exception left the writer) is removed.
class StagedFiles {
 public:
  explicit StagedFiles(std::string_view where) : where_(where) {}
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  ~StagedFiles() {
    for (const Staged& file : staged_) {
      std::error_code ignored;  // best effort: the exception on its way says what went wrong
      std::filesystem::remove(file.temporary, ignored);
    }
  }

  /// Writes the concatenation of `parts` to a temporary next to `path` (a link is followed, so the
  /// file it names is the one replaced). io_error, with the temporary removed, when `path` names a
  /// folder or a special file, or the system refuses a step.
  void stage(const std::filesystem::path& path, std::initializer_list<std::string_view> parts) {
    stage(path, std::span<const std::string_view>(parts.begin(), parts.size()));
  }

  /// The same for a count of parts known at run time (a file of many arrays, none copied into
  /// one string first).
  void stage(const std::filesystem::path& path, std::span<const std::string_view> parts) {
    std::error_code ec;
    std::filesystem::path target = path;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, ec))) {
      std::filesystem::path resolved = std::filesystem::weakly_canonical(path, ec);
      if (!ec) target = std::move(resolved);
    }
    const std::filesystem::file_status status = std::filesystem::status(target, ec);
    if (std::filesystem::is_directory(status))
      throw file_error(where_, "write", path, "it is a directory; expected a file name");
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
      throw file_error(where_, "write", path,
                       "it is a " + std::string(file_kind(status.type())) +
                           "; expected a regular file or a new name");
    // rename needs only the folder's permission: a file its owner made read-only must still refuse
    // to be replaced, as it refused to be opened for writing.
    if (std::filesystem::is_regular_file(status) && access(target.c_str(), W_OK) != 0)
      throw file_error(where_, "write", path, std::strerror(errno));

    std::FILE* file = nullptr;
    Staged staged{target, {}};
    // The name is cut so that the suffix cannot push it past a file system's 255-byte limit.
    const std::string stem = target.filename().string().substr(0, 200);
    for (int attempt = 0; !file && attempt < 100; ++attempt) {
      staged.temporary = target.parent_path() / (stem + ".tmp-" + std::to_string(getpid()) + "-" +
                                                 std::to_string(next_number()));
      file = std::fopen(staged.temporary.c_str(), "wbx");  // x: never an existing file
      if (!file && errno != EEXIST) break;
    }
    if (!file) {
      const int error = errno;
      std::string reason = std::strerror(error);
      const std::filesystem::path folder = target.parent_path();
      if (error == ENOENT && !folder.empty() && !std::filesystem::exists(folder, ec))
        reason += " (the folder '" + folder.string() + "' does not exist)";
      throw file_error(where_, "write", path, reason);
    }

    std::string failure;  // the system's reason for the first step that failed
    for (const std::string_view part : parts)
      if (failure.empty() && !part.empty() &&
          std::fwrite(part.data(), 1, part.size(), file) != part.size())
        failure = std::strerror(errno);
    if (failure.empty() && std::fflush(file) != 0) failure = std::strerror(errno);
    if (std::fclose(file) != 0 && failure.empty()) failure = std::strerror(errno);
    if (failure.empty() && std::filesystem::is_regular_file(status)) {
      // The replacement keeps the permissions of the file it replaces, as writing in place did.
      std::filesystem::permissions(staged.temporary, status.permissions(), ec);
      if (ec) failure = ec.message();
    }
    if (!failure.empty()) {
      std::filesystem::remove(staged.temporary, ec);
      throw file_error(where_, "write", path, failure);
    }
    staged_.push_back(std::move(staged));
  }

  /// Renames every staged file over its target, in the order staged. With more than one file, the
  /// last one's old version is removed first (the declaring file: see the file comment).
  void commit() {
    if (staged_.size() > 1) remove_file(staged_.back().target, where_);
    while (!staged_.empty()) {
      const Staged& file = staged_.front();
      if (std::rename(file.temporary.c_str(), file.target.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        throw file_error(where_, "write", file.target,
                         reason + " (renaming '" + file.temporary.string() + "' over it)");
      }
      staged_.erase(staged_.begin());
    }
  }

 private:
  struct Staged {
    std::filesystem::path target, temporary;
  };

  /// Numbers the temporaries of this process (the pid tells processes apart).
  static unsigned long long next_number() {
    static std::atomic<unsigned long long> counter{0};
    return counter++;
  }

  std::string where_;
  std::vector<Staged> staged_;
};

/// Replaces the file at `path` by the concatenation of `parts`, all or nothing (see StagedFiles);
/// io_error naming `where`, the path and the system's reason.
inline void write_file(const std::filesystem::path& path, std::span<const std::string_view> parts,
                       std::string_view where) {
  StagedFiles files(where);
  files.stage(path, parts);
  files.commit();
}

inline void write_file(const std::filesystem::path& path,
                       std::initializer_list<std::string_view> parts, std::string_view where) {
  write_file(path, std::span<const std::string_view>(parts.begin(), parts.size()), where);
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes,
                       std::string_view where) {
  write_file(path, {bytes}, where);
}

}  // namespace fabtwin::io::detail

# Homebrew formula: builds from the release's source archive and installs
# the man page and the completions. For a tap: copy this file, set `url` to
# the release tag's source archive and `sha256` to its checksum
# (`shasum -a 256 vX.Y.Z.tar.gz`). The release workflow attaches this file
# with both filled in for the tag (git-credential-bitbucket.rb).
class GitCredentialBitbucket < Formula
  desc "Git credential helper for Bitbucket Cloud and Data Center"
  homepage "https://github.com/git-credential-bitbucket/git-credential-bitbucket"
  url "https://github.com/git-credential-bitbucket/git-credential-bitbucket/archive/refs/tags/v0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "MIT"

  depends_on "rust" => :build
  depends_on "git"

  def install
    system "cargo", "install", *std_cargo_args
    man1.install "man/git-credential-bitbucket.1"
    bash_completion.install "contrib/completions/git-credential-bitbucket.bash" => "git-credential-bitbucket"
    zsh_completion.install "contrib/completions/_git-credential-bitbucket"
    fish_completion.install "contrib/completions/git-credential-bitbucket.fish"
  end

  def caveats
    <<~EOS
      Nothing in your git configuration was changed. Sign in with:
        git credential-bitbucket login
    EOS
  end

  test do
    request = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n"
    ENV["BITBUCKET_ACCESS_TOKEN"] = "ATCTT-homebrew-test"
    answer = pipe_output("#{bin}/git-credential-bitbucket get", request, 0)
    assert_equal "username=x-token-auth\npassword=ATCTT-homebrew-test\n", answer
  end
end

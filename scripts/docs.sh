#!/usr/bin/env bash
# Build the documentation site into docs/_build/html (Sphinx: Markdown pages, the API from the
# docstrings, the command line reference from pynn-hpc's parser, the gallery of examples/).
#   bash scripts/docs.sh               # runs the examples that changed since the last build
#   bash scripts/docs.sh --no-gallery  # the gallery's pages without running the examples
# Further arguments go to sphinx-build. The examples simulate the teaching network: the first
# build runs example 3's ten runs (NEST and NEURON, 5 seeds; minutes), later builds reuse them
# (docs/_build/gallery_output). Installs the `docs` extra into .venv if Sphinx is missing there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  bash scripts/install.sh docs
elif ! .venv/bin/python -c "import sphinx, myst_parser, furo, sphinx_gallery, sphinxarg" \
    2>/dev/null; then
  .venv/bin/python -m pip install -q -e ".[docs]"
fi
args=()
for a in "$@"; do
  if [ "$a" = --no-gallery ]; then args+=(-D plot_gallery=0); else args+=("$a"); fi
done
.venv/bin/python -m sphinx -W --keep-going -n -b html docs docs/_build/html ${args[@]+"${args[@]}"}
echo "open $(pwd)/docs/_build/html/index.html"

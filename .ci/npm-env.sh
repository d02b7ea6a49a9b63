# Sourced by the set-up scripts that run a nested `npm install`.
#
# Under `npm test` or `npm run demo`, a script inherits the outer npm's configuration as
# npm_config_* variables. A nested install must see only its own settings:
# npm_config_user_agent, for one, names the outer Node, and some postinstall scripts (such
# as code-server's) read their Node version from it and refuse. So every inherited
# npm_config_* and npm lifecycle variable is dropped, but the registry, which may come from
# the machine's own configuration (npm reads the rest from its npmrc files again).
clear_inherited_npm_config() {
  local name registry="${npm_config_registry:-}"
  for name in $(compgen -e); do
    case "$name" in
      npm_config_*|NPM_CONFIG_*|npm_package_*|npm_lifecycle_*|npm_execpath|npm_node_execpath|npm_command) unset "$name" ;;
    esac
  done
  if [ -n "$registry" ]; then export npm_config_registry="$registry"; fi
}

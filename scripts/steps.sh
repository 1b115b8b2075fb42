# Sourced by the install scripts. step LABEL COMMAND…: say what starts, run it, say how long it took.
step() {
    local label=$1 start=$SECONDS
    shift
    echo "==> $label…"
    "$@"
    echo "==> $label: done in $((SECONDS - start)) s"
}

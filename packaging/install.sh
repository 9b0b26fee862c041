#!/bin/sh
# Install unannotate for this user: the program into ~/.local/share/unannotate-program, a
# command in ~/.local/bin, and a menu entry with its icon. Nothing needs root.
#   ./install.sh             install (again: replaces the installed program)
#   ./install.sh --uninstall remove the program, the command and the menu entry
# Projects and settings are never touched (they live in ~/.local/share/unannotate and
# ~/.config/unannotate).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
program="$data/unannotate-program"
bin="$HOME/.local/bin"
applications="$data/applications"
icons="$data/icons/hicolor"

refresh_menu() {
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$applications" >/dev/null 2>&1 || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t "$icons" >/dev/null 2>&1 || true
  fi
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$program"
  rm -f "$applications/unannotate.desktop" "$icons/scalable/apps/unannotate.svg" \
    "$icons/256x256/apps/unannotate.png"
  if [ -L "$bin/unannotate" ]; then rm -f "$bin/unannotate"; fi
  refresh_menu
  echo "unannotate removed (your projects and settings are kept)"
  exit 0
fi

# Copied beside the old program first, then swapped: a failed copy leaves it intact.
mkdir -p "$data"
rm -rf "$program.new"
cp -R "$here/unannotate" "$program.new"
rm -rf "$program"
mv "$program.new" "$program"

mkdir -p "$bin" "$applications" "$icons/scalable/apps" "$icons/256x256/apps"
ln -sf "$program/unannotate" "$bin/unannotate"
cp "$here/unannotate.svg" "$icons/scalable/apps/unannotate.svg"
cp "$here/unannotate.png" "$icons/256x256/apps/unannotate.png"
# The entry names the program by its full path, quoted as the desktop entry format asks.
exec_path="\"$program/unannotate\""
escaped="$(printf '%s' "$exec_path" | sed 's/[\\&|]/\\&/g')"
sed "s|@EXEC@|$escaped|g" "$here/unannotate.desktop" > "$applications/unannotate.desktop"
chmod 644 "$applications/unannotate.desktop"
refresh_menu

echo "unannotate installed in $program"
echo "menu entry: $applications/unannotate.desktop"
case ":$PATH:" in
  *":$bin:"*) echo "command: unannotate" ;;
  *) echo "command: $bin/unannotate (add $bin to your PATH to type just unannotate)" ;;
esac
echo "check it with: $bin/unannotate --self-test"

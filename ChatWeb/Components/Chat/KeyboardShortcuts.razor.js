// Keyboard shortcuts (Ctrl is ⌘ on a Mac); each presses the page's own button or focuses its field:
//   Ctrl+Shift+O new chat · Shift+Esc focus the message box · Ctrl+K search conversations
//   Ctrl+Shift+C copy the last answer · Ctrl+/ show the shortcuts.
const searchBoxId = "conversation-search"; // the conversation list's search field, when it has one

function press(selector) {
    const button = document.querySelector(selector);
    if (button && !button.disabled) button.click();
    return !!button;
}

function lastCopyButton() {
    const buttons = document.querySelectorAll(".message.assistant button.copy-answer");
    return buttons.length ? buttons[buttons.length - 1] : null;
}

export function init() {
    const onKeyDown = event => {
        if (event.defaultPrevented || event.isComposing) return;
        const ctrl = event.ctrlKey || event.metaKey;
        const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
        let handled = false;
        if (ctrl && event.shiftKey && key === "o") {
            handled = press("button.new-chat");
        } else if (!ctrl && event.shiftKey && key === "Escape") {
            document.getElementById("prompt")?.focus();
            handled = true;
        } else if (ctrl && !event.shiftKey && key === "k") {
            const search = document.getElementById(searchBoxId);
            if (search) {
                if (search.offsetParent === null) press("button.drawer-toggle"); // on a phone the list is in the closed drawer
                setTimeout(() => search.focus(), 0);
                handled = true;
            }
        } else if (ctrl && event.shiftKey && key === "c") {
            const copy = lastCopyButton();
            if (copy) {
                copy.click();
                handled = true;
            }
        } else if (ctrl && (key === "/" || key === "?")) {
            handled = press("button.shortcuts-toggle");
        }
        if (handled) event.preventDefault();
    };
    document.addEventListener("keydown", onKeyDown);
    return { dispose() { document.removeEventListener("keydown", onKeyDown); } };
}

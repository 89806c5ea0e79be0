// Enter sends (handled in .NET); stop the browser from also inserting a newline.
// Shift+Enter, and Enter while an IME composes text, keep their default behaviour.
// Esc anywhere on the page stops a streaming answer (it presses the Stop button).
export function init(textarea) {
    const onKeyDown = event => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
        }
    };
    const onEscape = event => {
        if (event.key !== "Escape" || event.defaultPrevented) return;
        const stop = textarea.form?.querySelector("button.stop");
        if (stop) {
            event.preventDefault();
            stop.click();
        }
    };
    textarea.addEventListener("keydown", onKeyDown);
    document.addEventListener("keydown", onEscape);
    return {
        dispose() {
            textarea.removeEventListener("keydown", onKeyDown);
            document.removeEventListener("keydown", onEscape);
        },
    };
}

// Enter sends (handled in .NET); stop the browser from also inserting a newline.
// Shift+Enter, and Enter while an IME composes text, keep their default behaviour.
export function init(textarea) {
    textarea.addEventListener("keydown", event => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
        }
    });
}

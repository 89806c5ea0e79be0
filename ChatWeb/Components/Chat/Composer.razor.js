// Enter sends (handled in .NET); stop the browser from also inserting a newline.
// Shift+Enter, and Enter while an IME composes text, keep their default behaviour.
// Esc anywhere on the page stops a streaming answer (it presses the Stop button).
// A prompt longer than maxLength is not sent to the server as you type (one event that large could pass
// the circuit's message limit and end it): .NET is told its length instead, and the text stays in the box.
export function init(textareaId, composer, maxLength) {
    const textarea = document.getElementById(textareaId);
    let reported = -1;
    const onInput = event => {
        const length = textarea.value.length;
        if (length <= maxLength) {
            reported = -1;
            return;
        }
        event.stopPropagation();
        if (length !== reported) {
            reported = length;
            composer.invokeMethodAsync("PromptTooLong", length);
        }
    };
    const onKeyDown = event => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
        }
    };
    const onEscape = event => {
        if (event.key !== "Escape" || event.defaultPrevented) return;
        if (document.querySelector(".mud-dialog")) return; // Esc closes an open dialog first
        const stop = textarea.form?.querySelector("button.stop");
        if (stop) {
            event.preventDefault();
            stop.click();
        }
    };
    textarea.addEventListener("input", onInput);
    textarea.addEventListener("keydown", onKeyDown);
    document.addEventListener("keydown", onEscape);
    return {
        show(value) {
            if (textarea.value !== value) {
                textarea.value = value;
                textarea.dispatchEvent(new Event("input")); // grows or shrinks the box to its text
            }
        },
        dispose() {
            textarea.removeEventListener("input", onInput);
            textarea.removeEventListener("keydown", onKeyDown);
            document.removeEventListener("keydown", onEscape);
        },
    };
}

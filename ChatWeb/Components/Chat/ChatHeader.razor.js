// Light or dark: follows the OS until the user picks one; the pick is kept in localStorage.
// (App.razor applies a saved pick before the first paint, so the page never flashes.)
const key = "chatweb-theme";
const osPrefersDark = () => matchMedia("(prefers-color-scheme: dark)").matches;
const effectiveTheme = () => document.documentElement.dataset.theme ?? (osPrefersDark() ? "dark" : "light");

export function init(button) {
    const show = () => button.setAttribute("aria-pressed", effectiveTheme() === "dark" ? "true" : "false");
    button.addEventListener("click", () => {
        const next = effectiveTheme() === "dark" ? "light" : "dark";
        // Picking what the OS already prefers means "follow the OS" again.
        if (next === (osPrefersDark() ? "dark" : "light")) {
            delete document.documentElement.dataset.theme;
            localStorage.removeItem(key);
        } else {
            document.documentElement.dataset.theme = next;
            localStorage.setItem(key, next);
        }
        show();
    });
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", show);
    show();
}

// The theme: follow the system (nothing stored), light or dark; the button cycles through them and
// its name says the current choice. App.razor applies a stored choice before the first paint.
const key = "chatweb-theme";
const choices = ["system", "light", "dark"];
const names = { system: "follow the system", light: "light", dark: "dark" };
const icons = { system: "◐", light: "☀", dark: "☾" };
const current = () => document.documentElement.dataset.theme ?? "system";

export function init(button) {
    const show = () => {
        const choice = current();
        const label = `Theme: ${names[choice]}`;
        button.setAttribute("aria-label", label);
        button.title = label;
        button.querySelector(".theme-icon").textContent = icons[choice];
    };
    button.addEventListener("click", () => {
        const next = choices[(choices.indexOf(current()) + 1) % choices.length];
        if (next === "system") {
            delete document.documentElement.dataset.theme;
            localStorage.removeItem(key);
        } else {
            document.documentElement.dataset.theme = next;
            localStorage.setItem(key, next);
        }
        show();
    });
    show();
}

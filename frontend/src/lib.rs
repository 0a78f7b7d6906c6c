//! The browser entry point: hydrates the server-rendered app. `hydrate_lazy` waits for a lazy
//! route's WASM chunk (the CV editor) before hydrating it.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}

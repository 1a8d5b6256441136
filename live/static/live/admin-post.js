/* Post a live update from the article's admin page without leaving it (live/admin_views.py).
   Without this script the same forms post normally and the page comes back with a message. */
;(() => {
  "use strict"

  // The admin puts form media in <head>: wait for the box to exist.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start)
  } else {
    start()
  }

  function start() {
  const panel = document.getElementById("live-panel")
  if (!panel || !window.fetch || !window.FormData) return
  const form = panel.querySelector("form.live-post")
  const list = panel.querySelector("[data-live-list]")
  const status = panel.querySelector("[data-live-status]")

  function say(text, isError) {
    if (!status) return
    status.textContent = text
    status.classList.toggle("live-post__status--error", Boolean(isError))
  }

  function editorOf(textarea) {
    return window.CKEDITOR && textarea && window.CKEDITOR.instances[textarea.id]
  }

  function rowFrom(html) {
    const template = document.createElement("template")
    template.innerHTML = html.trim()
    return template.content.firstElementChild
  }

  async function send(target, body) {
    const response = await fetch(target.action, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": body.get("csrfmiddlewaretoken") || "",
      },
    })
    let payload = null
    try {
      payload = await response.json()
    } catch (error) {
      payload = {
        ok: false,
        errors: { __all__: [`The server answered ${response.status}; nothing was posted.`] },
      }
    }
    return payload
  }

  function clearErrors() {
    for (const ul of form.querySelectorAll("[data-errors-for]")) ul.replaceChildren()
    for (const field of form.querySelectorAll("[data-field].errors")) field.classList.remove("errors")
  }

  function showErrors(errors) {
    let first = null
    for (const [name, messages] of Object.entries(errors || {})) {
      const ul =
        form.querySelector(`[data-errors-for="${CSS.escape(name)}"]`) ||
        form.querySelector('[data-errors-for="__all__"]')
      for (const message of messages) {
        const li = document.createElement("li")
        li.textContent = message
        ul.append(li)
      }
      const field = form.querySelector(`[data-field="${CSS.escape(name)}"]`)
      if (field) {
        field.classList.add("errors")
        first = first || field
      }
    }
    const focusable = first && first.querySelector("input, textarea, select")
    if (focusable) focusable.focus()
  }

  function clearForm() {
    for (const input of form.querySelectorAll("input[type=text], textarea")) input.value = ""
    for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = false
    for (const select of form.querySelectorAll("select")) {
      if (window.django && window.django.jQuery) window.django.jQuery(select).val(null).trigger("change")
      else select.selectedIndex = -1
    }
    const editor = editorOf(form.querySelector("textarea"))
    if (editor) editor.setData("")
  }

  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault()
      const textarea = form.querySelector("textarea")
      const editor = editorOf(textarea)
      if (editor) editor.updateElement()
      const button = form.querySelector("button[type=submit]")
      button.disabled = true
      say("Posting…")
      let payload
      try {
        payload = await send(form, new FormData(form))
      } catch (error) {
        payload = { ok: false, errors: { __all__: ["The connection failed: nothing was posted. Try again."] } }
      } finally {
        button.disabled = false
      }
      clearErrors()
      if (!payload.ok) {
        say("The update was not posted: see the errors below. Your text is kept.", true)
        showErrors(payload.errors)
        return
      }
      const empty = list.querySelector("[data-live-empty]")
      if (empty) empty.remove()
      const row = rowFrom(payload.html)
      list.prepend(row)
      if (payload.status === "published" && form.querySelector('[data-field="pinned"] input:checked')) {
        for (const other of list.querySelectorAll(".live-flag--pinned")) {
          if (!row.contains(other)) other.remove()
        }
      }
      clearForm()
      say(payload.message)
      row.classList.add("live-row--new")
    })
  }

  // Publish / Unpublish buttons of the list: replace the row with the answer.
  panel.addEventListener("submit", async (event) => {
    const action = event.target.closest("form[data-live-action]")
    if (!action) return
    event.preventDefault()
    const row = action.closest("[data-live-row]")
    let payload
    try {
      payload = await send(action, new FormData(action))
    } catch (error) {
      payload = { ok: false, errors: { __all__: ["The connection failed: nothing changed."] } }
    }
    if (!payload.ok) {
      say(Object.values(payload.errors || {}).flat().join(" "), true)
      return
    }
    row.replaceWith(rowFrom(payload.html))
    say(payload.message)
  })
  }
})()

/* Autosave of the article form (articles/admin/autosave.py).
 *
 * While the form is dirty, the whole form is posted to the autosave URL every 10 s and when
 * the page is hidden (sendBeacon), into the editor's own unsaved-edit record: never into the
 * article. The "Restore your unsaved changes" notice's buttons fill the form from it or
 * discard it (posting through admin-form.js). A static file: the admin's CSP allows no
 * inline script of ours.
 */
;(() => {
  "use strict"

  const INTERVAL_MS = 10000
  // Inline management fields: the rows on the page decide them, not the unsaved form.
  const MANAGEMENT = /-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn)
    } else {
      fn()
    }
  }

  ready(() => {
    const box = document.getElementById("autosave")
    if (!box) return
    const form = box.closest("form")
    if (!form) return
    const url = box.dataset.url
    const discardUrl = box.dataset.discardUrl
    const offer = document.getElementById("autosave-offer")

    let dirty = false
    let inFlight = false
    let submitting = false
    // While the restore offer is open, autosaving would overwrite the unsaved edit it offers.
    let paused = Boolean(offer)

    const status = document.createElement("p")
    status.className = "autosave-status"
    status.setAttribute("role", "status")
    status.setAttribute("aria-live", "polite")
    const submitRows = form.querySelectorAll(".submit-row")
    const submitRow = submitRows[submitRows.length - 1]
    if (submitRow) {
      submitRow.parentNode.insertBefore(status, submitRow)
    } else {
      form.appendChild(status)
    }
    if (paused) {
      status.textContent =
        "Autosave is paused: restore or discard your unsaved changes at the top of the form."
    }

    const { post, loggedOut } = window.newsroomAdmin
    const csrfToken = () => window.newsroomAdmin.csrfToken(form)

    function editors() {
      const ck = window.CKEDITOR
      return ck && ck.instances ? Object.values(ck.instances) : []
    }

    function formData() {
      for (const editor of editors()) {
        try {
          editor.updateElement()
        } catch (_error) {
          // An editor still loading has nothing newer than its textarea.
        }
      }
      const data = new FormData(form)
      for (const input of form.querySelectorAll("input[type=file]")) {
        if (input.name) data.delete(input.name)
      }
      if (!data.has("csrfmiddlewaretoken")) data.append("csrfmiddlewaretoken", csrfToken())
      return data
    }

    function markDirty() {
      if (!submitting) dirty = true
    }

    function save() {
      if (!dirty || paused || inFlight || submitting) return
      dirty = false
      inFlight = true
      post(form, url, formData())
        .then((response) => {
          if (response.ok) {
            return response.json().then((body) => {
              status.textContent = `Saved a draft at ${body.saved_at}`
              status.classList.remove("autosave-status--error")
            })
          }
          dirty = true
          let reason = "try saving the form"
          if (response.status === 413) {
            reason = "the form is too large to autosave; save it"
          } else if (loggedOut(response)) {
            reason = "you may need to log in again in another tab"
          }
          failed(`Could not save a draft: ${reason}.`)
          return null
        })
        .catch(() => {
          dirty = true
          failed("Could not save a draft: no connection. Retrying…")
        })
        .finally(() => {
          inFlight = false
        })
    }

    function failed(message) {
      status.textContent = message
      status.classList.add("autosave-status--error")
    }

    function saveOnHide() {
      if (!dirty || paused || submitting || !navigator.sendBeacon) return
      if (navigator.sendBeacon(url, formData())) dirty = false
    }

    form.addEventListener("input", markDirty)
    form.addEventListener("change", markDirty)
    if (window.django && window.django.jQuery) {
      // Autocomplete pickers (select2: section, byline, lead photo) tell jQuery only.
      window.django.jQuery(form).on("change", markDirty)
    }
    form.addEventListener("submit", () => {
      // The save itself clears the unsaved edit: an autosave now could arrive after it.
      submitting = true
      dirty = false
    })
    window.addEventListener("pagehide", saveOnHide)
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") saveOnHide()
    })
    window.setInterval(save, INTERVAL_MS)

    const watched = new WeakSet()
    window.newsroomAdmin.eachEditor((editor) => {
      if (!editor || watched.has(editor)) return
      watched.add(editor)
      editor.on("change", markDirty)
    })

    if (!offer) return

    function closeOffer() {
      offer.hidden = true
      paused = false
    }

    function setSelect(select, values) {
      for (const option of select.options) {
        const selected = values.includes(option.value)
        // A single choice the page does not list (an autocomplete's) stays as it is.
        if (select.multiple || selected) option.selected = selected
      }
      if (window.django && window.django.jQuery) {
        window.django.jQuery(select).trigger("change") // select2 widgets show the new value
      }
    }

    function restore(data) {
      const controls = form.elements
      for (const control of controls) {
        const name = control.name
        if (!name || name === "csrfmiddlewaretoken" || MANAGEMENT.test(name)) continue
        if (control.type === "file" || control.type === "submit" || control.type === "button") {
          continue
        }
        const saved = data[name]
        const values = saved === undefined ? [] : [].concat(saved).map(String)
        if (control.type === "checkbox" || control.type === "radio") {
          // Unticked boxes are not posted: absent means unticked.
          control.checked = values.includes(control.value || "on")
        } else if (saved === undefined) {
          // A field the unsaved form did not have (an inline row added since): left as is.
        } else if (control.tagName === "SELECT") {
          setSelect(control, values)
        } else {
          control.value = values[values.length - 1] || ""
        }
      }
      for (const editor of editors()) {
        const name = editor.element && editor.element.$ ? editor.element.$.name : null
        if (name && data[name] !== undefined) {
          editor.setData(String([].concat(data[name]).pop()))
        }
      }
    }

    const restoreButton = offer.querySelector("[data-autosave-restore]")
    const discardButton = offer.querySelector("[data-autosave-discard]")

    restoreButton.addEventListener("click", () => {
      restoreButton.disabled = true
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response)))
        .then((body) => {
          restore(body.data || {})
          closeOffer()
          dirty = true // kept as the unsaved edit until the form is saved
          status.classList.remove("autosave-status--error")
          status.textContent = `Restored your unsaved changes from ${body.saved_at}. Save the form to keep them.`
        })
        .catch(() => {
          restoreButton.disabled = false
          failed("Could not load your unsaved changes. Reload the page and try again.")
        })
    })

    discardButton.addEventListener("click", () => {
      discardButton.disabled = true
      post(form, discardUrl, new URLSearchParams({ csrfmiddlewaretoken: csrfToken() }))
        .then((response) => {
          if (!response.ok) return Promise.reject(response)
          closeOffer()
          status.classList.remove("autosave-status--error")
          status.textContent = "Discarded your unsaved changes."
          return null
        })
        .catch(() => {
          discardButton.disabled = false
          failed("Could not discard your unsaved changes. Try again.")
        })
    })
  })
})()

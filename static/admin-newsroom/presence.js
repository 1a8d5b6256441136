/* Presence on the article form (articles/admin/presence.py): who else has the article open.
 *
 * While the tab is visible the form beats every data-interval seconds: it tells the server
 * its editor is still there and whether they typed since the last beat, and lists the other
 * editors the server answers ("… is also editing this article", "… is typing now"). When
 * this editor starts typing while another has the article open, a warning says so, once
 * for each editor who appears. Beats stop while the tab is hidden and start again when it
 * shows; leaving the page sends a beacon that removes the editor at once. Errors show
 * quietly in the box. The page's own list works without JavaScript; the lost-update check
 * still refuses the second of two saves. A static file: the admin's CSP allows no inline
 * script of ours.
 */
;(() => {
  "use strict"

  // Keys that move, select or switch rather than change the text (a paste or a cut made
  // with the keyboard is a CKEditor "change").
  const NOT_TYPING = new Set([
    9, 16, 17, 18, 19, 20, 27, 33, 34, 35, 36, 37, 38, 39, 40, 45, 91, 92, 93, 112, 113, 114,
    115, 116, 117, 118, 119, 120, 121, 122, 123, 144, 145,
  ])
  // CKEditor's modifier bits in a keystroke (CKEDITOR.CTRL, CKEDITOR.ALT).
  const SHORTCUT = 0x110000 | 0x440000

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn)
    } else {
      fn()
    }
  }

  function opened(minutes) {
    if (!minutes) return "(opened just now)"
    return `(opened ${minutes} minute${minutes === 1 ? "" : "s"} ago)`
  }

  function joinNames(names) {
    if (names.length < 2) return names.join("")
    return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`
  }

  // Change a text only when it differs: the box is a live region, read out on each change.
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text
  }

  ready(() => {
    const box = document.getElementById("presence")
    if (!box || !box.dataset.url) return
    const form = box.closest("form")
    if (!form) return
    const url = box.dataset.url
    const leaveUrl = box.dataset.leaveUrl
    const interval = Math.max(1, Number.parseInt(box.dataset.interval, 10) || 15) * 1000

    let list = box.querySelector(".presence__editors")
    if (!list) {
      list = document.createElement("div")
      list.className = "presence__editors"
      box.prepend(list)
    }
    const note = box.querySelector(".presence__note")
    const warning = document.createElement("p")
    warning.className = "presence__warning"
    warning.setAttribute("role", "alert")
    warning.hidden = true
    const problem = document.createElement("p")
    problem.className = "presence__error"
    problem.hidden = true
    box.append(warning, problem)

    // The other editors present: id -> name (from the page's own list until the first beat).
    let others = new Map()
    for (const row of list.querySelectorAll("[data-editor]")) {
      others.set(row.dataset.editor, row.dataset.name || "")
    }
    // The editors this one was warned about, while they stay present.
    const warned = new Set()
    let typedSinceBeat = false
    let timer = null
    let inFlight = false
    let stopped = false

    const { post, loggedOut } = window.newsroomAdmin
    const csrfToken = () => window.newsroomAdmin.csrfToken(form)

    function refreshBox() {
      if (note) note.hidden = others.size === 0 || !warning.hidden
      box.hidden = others.size === 0 && problem.hidden
    }

    function showWarning() {
      const names = [...warned].map((id) => others.get(id)).filter(Boolean)
      if (!names.length) {
        warning.hidden = true
        warning.textContent = ""
      } else {
        const has = names.length === 1 ? "has" : "have"
        setText(
          warning,
          `${joinNames(names)} ${has} this article open too. If you both save, the second ` +
            "save is refused and keeps its text in the form to compare: agree who edits it " +
            "before you both write.",
        )
        warning.hidden = false
      }
      refreshBox()
    }

    function typed() {
      if (stopped) return
      typedSinceBeat = true
      let fresh = false
      for (const id of others.keys()) {
        if (!warned.has(id)) {
          warned.add(id)
          fresh = true
        }
      }
      if (fresh) showWarning()
    }

    function row(id) {
      const existing = list.querySelector(`[data-editor="${CSS.escape(id)}"]`)
      if (existing) return existing
      const p = document.createElement("p")
      p.className = "presence__editor"
      p.dataset.editor = id
      const who = document.createElement("strong")
      who.className = "presence__who"
      const since = document.createElement("span")
      since.className = "presence__since"
      since.setAttribute("aria-live", "off") // the minutes tick: not read out each time
      p.append(who, " ", since, ".")
      return p
    }

    function render(editors) {
      const shown = new Set()
      let previous = null
      for (const editor of editors) {
        const id = String(editor.id)
        shown.add(id)
        const p = row(id)
        p.dataset.name = editor.name
        const doing = editor.typing ? "is typing now" : "is also editing this article"
        setText(p.querySelector(".presence__who"), `${editor.name} ${doing}`)
        setText(p.querySelector(".presence__since"), opened(editor.minutes))
        const place = previous ? previous.nextElementSibling : list.firstElementChild
        if (p !== place) list.insertBefore(p, place)
        previous = p
      }
      for (const p of list.querySelectorAll("[data-editor]")) {
        if (!shown.has(p.dataset.editor)) p.remove()
      }
    }

    function update(editors) {
      others = new Map(editors.map((editor) => [String(editor.id), editor.name]))
      for (const id of [...warned]) {
        if (!others.has(id)) warned.delete(id) // gone: warned again if they come back
      }
      render(editors)
      showWarning()
    }

    function failed(message) {
      setText(problem, message)
      problem.hidden = false
      refreshBox()
    }

    function recovered() {
      problem.hidden = true
      problem.textContent = ""
    }

    function schedule() {
      window.clearTimeout(timer)
      timer = null
      if (!stopped && !document.hidden) timer = window.setTimeout(beat, interval)
    }

    function beat() {
      window.clearTimeout(timer)
      timer = null
      if (stopped || document.hidden || inFlight) return
      inFlight = true
      const typing = typedSinceBeat
      typedSinceBeat = false
      post(form, url, new URLSearchParams({ typing: typing ? "1" : "0" }))
        .then((response) => {
          if (response.ok) {
            return response.json().then((body) => {
              recovered()
              update(Array.isArray(body.editors) ? body.editors : [])
            })
          }
          if (typing) typedSinceBeat = true
          let reason = "the server did not answer; trying again"
          if (loggedOut(response)) {
            reason = "you may need to log in again in another tab"
          } else if (response.status === 404) {
            reason = "the article was deleted"
          }
          failed(`Could not check who else is editing this article: ${reason}.`)
          return null
        })
        .catch(() => {
          if (typing) typedSinceBeat = true
          failed("Could not check who else is editing this article: no connection. Trying again…")
        })
        .finally(() => {
          inFlight = false
          schedule()
        })
    }

    function leave() {
      window.clearTimeout(timer)
      timer = null
      if (!navigator.sendBeacon) return
      const data = new FormData()
      data.append("csrfmiddlewaretoken", csrfToken())
      navigator.sendBeacon(leaveUrl, data)
    }

    form.addEventListener("input", typed)
    form.addEventListener("change", typed)
    form.addEventListener("submit", (event) => {
      // The save itself ends the presence; a beat now could arrive after it. (Once every
      // handler ran: a submit another script cancels leaves the form open.)
      window.setTimeout(() => {
        if (event.defaultPrevented) return
        stopped = true
        window.clearTimeout(timer)
      }, 0)
    })
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) {
        window.clearTimeout(timer)
        timer = null
      } else {
        beat()
      }
    })
    window.addEventListener("pagehide", () => {
      leave()
      stopped = true
    })
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return
      stopped = false // back from the back-forward cache: present again
      beat()
    })

    // CKEditor is set up after this script runs: follow the form's instances as they appear
    // (not another form's, such as a live update's).
    const watched = new WeakSet()
    function watch(editor) {
      if (!editor || watched.has(editor)) return
      const element = document.getElementById(editor.name)
      if (element && !form.contains(element)) return
      watched.add(editor)
      editor.on("change", typed)
      editor.on("key", (event) => {
        const keystroke = (event.data && event.data.keyCode) || 0
        if (!(keystroke & SHORTCUT) && !NOT_TYPING.has(keystroke & 0xffff)) typed()
      })
    }
    window.newsroomAdmin.eachEditor(watch)

    refreshBox()
    beat() // at once: the page counts as beating, and the list is fresh
  })
})()

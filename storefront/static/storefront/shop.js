// The demo shop: buys through the Checkout API in client-side mode (no secret,
// same origin), as a shop's own site would. Every price and total shown is the
// server's; the page only keeps the session token (in localStorage).
// A file, not an inline script: the site's CSP allows no other.
"use strict";
{
  const API = document.body.dataset.api;
  const PAGE = document.body.dataset.page;
  const TOKEN = "centra-orders-shop.token";
  const PAYING = "centra-orders-shop.payment-page"; // the provider's page of the open payment
  const $ = (id) => document.getElementById(id);
  // The words the page writes, in its language: the view puts them through gettext
  // and into the page as JSON (no JavaScript catalogue). The API's own sentences
  // are shown as the API wrote them.
  const WORDS = JSON.parse($("shop-words").textContent);

  // "One less %(name)s", {name: "Wool cap"} → "One less Wool cap": gettext's named
  // placeholders, filled here as Python's % would.
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s|%%/g, (match, name) => (name === undefined ? "%" : String(values[name])));
  }

  // One call to the API: sends the token, keeps the one the answer carries
  // (Centra changes it only when it expired), and never throws on HTTP errors.
  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = localStorage.getItem(TOKEN);
    if (token) headers["API-token"] = token;
    // Never from the browser's cache: going back to the page would show a stale selection.
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`${API}/${path}`, init);
    } catch {
      return { ok: false, status: 0, data: { errors: { network: WORDS.networkError } } };
    }
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = { errors: { server: fill(WORDS.serverAnswered, { status: response.status }) } };
    }
    if (data.token && data.token !== token) localStorage.setItem(TOKEN, data.token);
    return { ok: response.ok, status: response.status, data };
  }

  // --- small DOM helpers: text only, never server data as HTML ---------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function show(id, visible = true) {
    $(id).hidden = !visible;
  }

  // What went wrong, in one or two sentences a buyer can read.
  function problemOf(data, fallback) {
    const parts = [];
    if (Array.isArray(data.messages)) parts.push(...data.messages);
    else if (data.message) parts.push(data.message);
    if (data.errors && typeof data.errors === "object") {
      for (const [field, text] of Object.entries(data.errors)) {
        if (field === "paymentMethod" && text === "failed" && parts.length) continue;
        parts.push(field === "network" || field === "server" ? text : `${field}: ${text}`);
      }
    }
    if (Array.isArray(data.unavailable) && data.unavailable.length) {
      const names = data.unavailable.map((u) => fill(WORDS.productLeft, { product: u.product || u.item, available: u.available }));
      parts.push(fill(WORDS.notEnoughStock, { products: names.join(", ") }));
    }
    return parts.length ? parts.join(" ") : fallback;
  }

  // A refused change: a payment left open at the provider's page (409) freezes the
  // selection, as in Centra, until it is approved, declined or expires.
  function refused(result, fallback) {
    if (result.status !== 409) {
      notify(problemOf(result.data, fallback));
      return;
    }
    notify(WORDS.paymentStillOpen);
    const open = sessionStorage.getItem(PAYING);
    if (open) $("notice").append(el("a", { href: open, text: WORDS.backToPaymentPage }));
  }

  function notify(text, kind = "error") {
    const notice = $("notice");
    notice.textContent = text;
    notice.className = `notice ${kind}`;
    notice.hidden = !text;
    // On a phone the basket is far below the notice: bring the sentence into view.
    if (text) notice.scrollIntoView({ block: "nearest" });
  }

  // --- the catalogue -----------------------------------------------------------

  async function loadProducts() {
    const { ok, data } = await call("POST", "products", {});
    const list = $("products");
    list.replaceChildren();
    if (!ok) {
      notify(problemOf(data, WORDS.productsNotLoaded));
      return;
    }
    const products = data.products || [];
    show("catalogue-empty", products.length === 0);
    for (const product of products) list.append(productCard(product));
  }

  function productCard(product) {
    const items = (product.items || []).filter((item) => item.item);
    const soldOut = (item) => item.stock === "no" || item.stock === false || item.stock === 0;
    const label = (item) => {
      const name = item.name || item.size || item.sku || item.item;
      return soldOut(item) ? fill(WORDS.soldOut, { name }) : String(name);
    };
    const add = el("button", { type: "button", className: "add", text: WORDS.addToSelection });
    let choose = null;
    if (items.length > 1) {
      choose = el("select", { "aria-label": fill(WORDS.sizeOf, { name: product.name }) });
      for (const item of items) {
        const option = el("option", { value: item.item, text: label(item) });
        option.disabled = soldOut(item);
        choose.append(option);
      }
      const first = items.find((item) => !soldOut(item));
      if (first) choose.value = first.item;
    }
    const chosen = () => (choose ? choose.value : items[0] && items[0].item);
    add.disabled = items.length === 0 || items.every(soldOut);
    add.addEventListener("click", async () => {
      add.disabled = true;
      const result = await call("POST", `items/${encodeURIComponent(chosen())}`);
      add.disabled = false;
      if (result.ok) {
        notify("");
        add.textContent = WORDS.added;
        setTimeout(() => (add.textContent = WORDS.addToSelection), 1200);
      } else refused(result, WORDS.notAdded);
      if (result.data.selection) renderSelection(result.data);
    });
    const size = items.length === 1 ? el("span", { className: "size", text: label(items[0]) }) : choose;
    return el(
      "li",
      { className: "product", "data-product": product.uri || product.product || product.name },
      el("span", { className: "swatch", "aria-hidden": "true", text: (product.name || "?").slice(0, 1) }),
      el("h3", { text: product.name || product.uri }),
      product.variantName ? el("p", { className: "muted", text: product.variantName }) : null,
      el("p", { className: "price", text: product.price || "" }),
      el("div", { className: "buy" }, size, add),
    );
  }

  // --- the selection -----------------------------------------------------------

  let current = null; // the last whole response with a selection

  async function loadSelection() {
    const { ok, data } = await call("GET", "selection");
    if (!ok && !data.selection) {
      notify(problemOf(data, WORDS.selectionNotLoaded));
      return;
    }
    renderSelection(data);
  }

  function nameOf(line) {
    return (line.product && line.product.name) || line.productName || line.name || line.sku;
  }

  function lineRow(line, editable) {
    const what = el(
      "td",
      {},
      el("span", { className: "line-name", text: nameOf(line) }),
      line.size ? el("span", { className: "muted line-size", text: line.size }) : null,
    );
    const quantity = el("td", { className: "num" });
    if (editable) {
      const step = (delta) =>
        el("button", {
          type: "button",
          className: "qty",
          text: delta < 0 ? "−" : "+",
          "aria-label": fill(delta < 0 ? WORDS.oneLess : WORDS.oneMore, { name: nameOf(line) }),
        });
      const less = step(-1);
      const more = step(1);
      less.addEventListener("click", () => changeLine(line, line.quantity - 1));
      more.addEventListener("click", () => changeLine(line, line.quantity + 1));
      quantity.append(less, el("span", { className: "qty-value", text: String(line.quantity) }), more);
    } else {
      quantity.textContent = String(line.quantity);
    }
    const price = el("td", { className: "num", text: line.totalPrice || "" });
    if (line.quantity > 1 && line.priceEach) price.append(el("span", { className: "muted each", text: fill(WORDS.priceEach, { price: line.priceEach }) }));
    return el("tr", { "data-line": String(line.line) }, what, quantity, price);
  }

  async function changeLine(line, quantity) {
    const path = quantity > 0 ? `lines/${line.line}/quantity/${quantity}` : `lines/${line.line}`;
    const result = await call(quantity > 0 ? "PUT" : "DELETE", path);
    if (result.ok) notify("");
    else refused(result, WORDS.selectionNotChanged);
    if (result.data.selection) renderSelection(result.data);
  }

  function renderTotals(target, totals) {
    const rows = [
      // The lines show their prices after the discount; the items' sum is before it.
      [totals.totalDiscountPrice ? WORDS.itemsBeforeDiscount : WORDS.items, totals.itemsTotalPrice],
      [WORDS.discount, totals.totalDiscountPrice || null],
      [WORDS.shipping, totals.shippingPrice],
      [WORDS.handling, totals.handlingCostPriceAsNumber ? totals.handlingCostPrice : null],
      [WORDS.taxIncluded, totals.grandTotalPriceTax],
      [WORDS.total, totals.grandTotalPrice, "grand"],
    ];
    target.replaceChildren();
    for (const [label, value, grand] of rows) {
      if (value === null || value === undefined || value === false) continue;
      target.append(el("div", { className: grand ? "total grand" : "total" }, el("dt", { text: label }), el("dd", { text: value })));
    }
  }

  function renderSelection(data) {
    current = data;
    const selection = data.selection || {};
    const lines = selection.items || [];
    const count = lines.reduce((sum, line) => sum + (Number(line.quantity) || 0), 0);
    $("basket-count").textContent = fill(WORDS.selectionCount, { count });
    show("basket-empty", lines.length === 0);
    show("lines", lines.length > 0);
    show("totals", lines.length > 0);
    show("checkout", lines.length > 0);
    show("voucher", lines.length > 0);
    renderVoucher(selection.discounts || {});
    $("lines").tBodies[0].replaceChildren(...lines.map((line) => lineRow(line, true)));
    renderTotals($("totals"), selection.totals || {});
    renderCountries(data);
    prefill(selection.address || {});
  }

  // The selection's voucher, if any, with a way to take it off.
  function renderVoucher(discounts) {
    const applied = $("voucher-applied");
    const vouchers = discounts.vouchers || [];
    applied.hidden = vouchers.length === 0;
    if (!vouchers.length) return;
    const code = vouchers[0].voucher;
    const remove = el("button", { type: "button", className: "secondary", text: WORDS.remove });
    remove.addEventListener("click", async () => {
      const result = await call("DELETE", `vouchers/${encodeURIComponent(code)}`);
      if (result.ok) notify("");
      else refused(result, WORDS.voucherNotRemoved);
      if (result.data.selection) renderSelection(result.data);
    });
    applied.replaceChildren(fill(WORDS.voucherApplied, { code, amount: vouchers[0].priceOff || "" }), remove);
  }

  async function applyVoucher(event) {
    event.preventDefault();
    const input = $("voucher-code");
    const code = input.value.trim();
    if (!code) return;
    const result = await call("POST", "vouchers", { voucher: code });
    if (result.ok) {
      notify("");
      input.value = "";
    } else if (result.status === 404) notify(fill(WORDS.noSuchVoucher, { code }));
    else refused(result, WORDS.voucherNotUsed);
    if (result.data.selection) renderSelection(result.data);
  }

  function renderCountries(data) {
    const select = $("country");
    const countries = data.countries || [];
    const chosen = (data.location && data.location.country) || (data.selection.address || {}).country || "";
    if (select.options.length !== countries.length) {
      select.replaceChildren(...countries.map((c) => el("option", { value: c.country, text: c.name || c.country })));
    }
    if (chosen) select.value = chosen;
  }

  // The address the server already holds (after a declined payment, say).
  function prefill(address) {
    const form = $("checkout");
    for (const name of ["email", "firstName", "lastName", "address1", "zipCode", "city"]) {
      if (address[name] && !form.elements[name].value) form.elements[name].value = address[name];
    }
  }

  async function changeCountry(event) {
    const result = await call("PUT", `countries/${encodeURIComponent(event.target.value)}`);
    if (result.ok) notify("");
    else refused(result, WORDS.countryNotChosen);
    if (result.data.selection) renderSelection(result.data);
  }

  // --- paying ------------------------------------------------------------------

  function paymentMethodOf(data) {
    const selection = data.selection || {};
    if (selection.paymentMethod) return selection.paymentMethod;
    const methods = data.paymentMethods || [];
    return methods.length ? methods[0].paymentMethod : "";
  }

  async function pay(event) {
    event.preventDefault();
    const form = event.target;
    const errors = $("checkout-errors");
    const missing = [...form.elements].filter((field) => field.required && !field.checkValidity());
    for (const field of form.elements) field.classList.toggle("invalid", missing.includes(field));
    if (missing.length) {
      errors.textContent = WORDS.fillEveryField;
      errors.hidden = false;
      missing[0].focus();
      return;
    }
    errors.hidden = true;
    const value = (name) => form.elements[name].value.trim();
    const origin = window.location.origin;
    const body = {
      paymentMethod: paymentMethodOf(current || {}),
      paymentReturnPage: `${origin}/shop/return`,
      paymentFailedPage: `${origin}/shop/failed`,
      termsAndConditions: true,
      address: {
        email: value("email"),
        firstName: value("firstName"),
        lastName: value("lastName"),
        address1: value("address1"),
        zipCode: value("zipCode"),
        city: value("city"),
        country: form.elements.country.value,
      },
    };
    $("pay").disabled = true;
    const { ok, data } = await call("POST", "payment", body);
    if (ok && data.action === "redirect" && data.url) {
      sessionStorage.setItem(PAYING, data.url);
      window.location.assign(data.url);
      return;
    }
    if (ok && data.action === "form" && (data.formHtml || data.form_html)) {
      // A provider's self-posting form: put it in the page and submit it.
      const holder = el("div", { hidden: "" });
      holder.innerHTML = data.formHtml || data.form_html;
      document.body.append(holder);
      holder.querySelector("form").submit();
      return;
    }
    $("pay").disabled = false;
    if (ok && data.action === "success" && data.order) {
      showReceipt(data.order);
      return;
    }
    if (data.selection) renderSelection(data);
    for (const key of Object.keys(data.errors || {})) {
      const field = form.elements[key.replace(/^address\./, "")];
      if (field && field.classList) field.classList.add("invalid");
    }
    errors.textContent = problemOf(data, WORDS.paymentNotStarted);
    errors.hidden = false;
  }

  // --- the provider's return and the receipt -----------------------------------

  // "a[b][c]=1" → {a: {b: {c: "1"}}}, "a[]=1&a[]=2" → {a: ["1", "2"]}: the
  // return page's parameters, forwarded to payment-result as Centra asks.
  function nestedParams(search) {
    const fields = {};
    for (const [name, value] of new URLSearchParams(search)) {
      const match = name.match(/^([^[\]]+)((?:\[[^\]]*\])*)$/);
      const keys = match ? [match[1], ...[...match[2].matchAll(/\[([^\]]*)\]/g)].map((m) => m[1])] : [name];
      let node = fields;
      keys.forEach((key, index) => {
        const last = index === keys.length - 1;
        const slot = key === "" && Array.isArray(node) ? node.length : key;
        if (last) node[slot] = value;
        else {
          if (typeof node[slot] !== "object" || node[slot] === null) node[slot] = keys[index + 1] === "" ? [] : {};
          node = node[slot];
        }
      });
    }
    return fields;
  }

  async function paymentReturned() {
    const fields = nestedParams(window.location.search);
    // Without parameters (a reload after the receipt was shown): the receipt again.
    const result = Object.keys(fields).length
      ? await call("POST", "payment-result", { paymentMethodFields: fields })
      : await call("GET", "receipt");
    if (result.ok && result.data.order) {
      // A reload shows the receipt again without posting the result twice.
      window.history.replaceState(null, "", window.location.pathname);
      showReceipt(result.data.order);
      return;
    }
    notify(`${problemOf(result.data, WORDS.paymentNotConfirmed)} ${WORDS.selectionStillHere}`);
    await showShop();
  }

  function showReceipt(order) {
    sessionStorage.removeItem(PAYING);
    $("order-number").textContent = order.order || "";
    $("order-status").textContent = order.statusDescription || "";
    const email = (order.address || {}).email;
    $("order-email").textContent = email ? fill(WORDS.receiptFor, { email }) : "";
    $("receipt-lines").tBodies[0].replaceChildren(...(order.items || []).map((line) => lineRow(line, false)));
    renderTotals($("receipt-totals"), order.totals || {});
    $("basket-count").textContent = fill(WORDS.selectionCount, { count: 0 });
    show("catalogue", false);
    show("basket", false);
    show("receipt");
    document.title = fill(WORDS.receiptTitle, { number: order.order });
  }

  async function showShop() {
    show("catalogue");
    show("basket");
    // The selection first: its answer carries the session's token, which the
    // products call then sends (two tokenless calls at once would make two).
    await loadSelection();
    await loadProducts();
  }

  async function start() {
    $("checkout").addEventListener("submit", pay);
    $("country").addEventListener("change", changeCountry);
    $("voucher").addEventListener("submit", applyVoucher);
    if (PAGE === "return") await paymentReturned();
    else {
      await showShop();
      if (PAGE === "failed") {
        sessionStorage.removeItem(PAYING);
        notify(WORDS.paymentDeclined);
        $("notice").append(el("a", { href: "#checkout", text: WORDS.backToCheckout }));
      }
    }
    show("loading", false);
    document.body.dataset.ready = "true";
  }

  start();
}

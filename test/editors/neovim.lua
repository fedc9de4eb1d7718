-- Drives Neovim (headless, `nvim -u NONE`) through the README's configuration against the real server:
-- diagnostics on an example and a broken copy, hover, completion (Neovim 0.7 advertises no snippets), a
-- code action applied, rename and formatting. Writes what it saw to $UNROLL_NVIM_OUT as JSON; the test
-- (neovim.test.ts) judges it. Paths arrive in $UNROLL_NVIM_CONFIG, $UNROLL_NVIM_GOOD, $UNROLL_NVIM_BROKEN.
local out = { steps = {} }

-- Neovim 0.7 has neither vim.lsp.start nor vim.fs (0.8): the same behaviour from 0.7's API, so the README's
-- configuration runs unchanged.
if not vim.fs then
  vim.fs = {
    dirname = function(p) return p and vim.fn.fnamemodify(p, ':h') or nil end,
    find = function(names, opts)
      for _, n in ipairs(names) do
        local dir = vim.fn.finddir(n, opts.path .. ';')
        if dir ~= '' then return { vim.fn.fnamemodify(dir, ':p:h') } end
        local file = vim.fn.findfile(n, opts.path .. ';')
        if file ~= '' then return { vim.fn.fnamemodify(file, ':p') } end
      end
      return {}
    end,
  }
end
if vim.fn.has('nvim-0.8') == 0 then vim.g.do_filetype_lua = 1 end -- 0.8 detects with filetype.lua by default
if not vim.lsp.start then
  local started = {}
  vim.lsp.start = function(config)
    local key = config.name .. '|' .. config.root_dir
    if not started[key] then started[key] = vim.lsp.start_client(config) end
    vim.lsp.buf_attach_client(0, started[key])
    return started[key]
  end
end

local function step(name, fn)
  local ok, err = pcall(fn)
  table.insert(out.steps, { name = name, ok = ok, err = ok and nil or tostring(err) })
end

local function request(buf, method, params)
  local res, err = vim.lsp.buf_request_sync(buf, method, params, 10000)
  if not res then error(method .. ': ' .. tostring(err)) end
  for _, r in pairs(res) do
    if r.err then return nil, r.err end
    return r.result
  end
end

local function text_of(buf) return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n') end
local function find(buf, needle)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local c = l:find(needle, 1, true)
    if c then return i - 1, c - 1 end
  end
  error('not found: ' .. needle)
end
local function pos_params(buf, line, col)
  return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = col } }
end
local function errors_of(buf)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(list, { line = d.lnum, col = d.col, end_line = d.end_lnum, end_col = d.end_col, severity = d.severity, message = d.message, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) })
  end
  return list
end

vim.cmd('filetype on')
dofile(vim.env.UNROLL_NVIM_CONFIG)

step('open the example', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.UNROLL_NVIM_GOOD))
  local buf = vim.api.nvim_get_current_buf()
  out.filetype = vim.bo[buf].filetype
  out.attached = vim.wait(20000, function() return #vim.lsp.buf_get_clients(buf) > 0 end, 50)
  -- The example is clean: wait until the server has checked it (a hover answers from the checked version).
  vim.wait(3000, function() return false end, 100)
  out.good_diagnostics = errors_of(buf)
  local line, col = find(buf, 'logits = dense')
  local h = request(buf, 'textDocument/hover', pos_params(buf, line, col + 2))
  out.hover = h and h.contents and (h.contents.value or h.contents) or nil
end)

step('open a broken copy', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.UNROLL_NVIM_BROKEN))
  local buf = vim.api.nvim_get_current_buf()
  vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  out.broken_diagnostics = errors_of(buf)
end)

step('completion with snippets off', function()
  local buf = vim.api.nvim_get_current_buf()
  local line = find(buf, 'logits = ')
  vim.api.nvim_buf_set_lines(buf, line + 1, line + 1, false, { '  z = ' })
  local res = request(buf, 'textDocument/completion', pos_params(buf, line + 1, 6))
  local items = res and (res.items or res) or {}
  out.completion = {}
  for _, it in ipairs(items) do
    table.insert(out.completion, { label = it.label, insertText = it.insertText, format = it.insertTextFormat })
  end
  -- Insert the `dense` item as a client without snippets does: its insertText (or label) as written.
  for _, it in ipairs(items) do
    if it.label == 'dense' then
      vim.api.nvim_buf_set_lines(buf, line + 1, line + 2, false, { '  z = ' .. (it.insertText or it.label) })
    end
  end
  out.completed_line = vim.api.nvim_buf_get_lines(buf, line + 1, line + 2, false)[1]
  vim.api.nvim_buf_set_lines(buf, line + 1, line + 2, false, {})
end)

step('a code action applied', function()
  local buf = vim.api.nvim_get_current_buf()
  local changed = vim.b[buf].changedtick
  vim.wait(10000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do if d.message:find('dek', 1, true) then return true end end
    return false
  end, 50)
  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do if d.message:find('dek', 1, true) then target = d end end
  if not target then error('no diagnostic for dek; changedtick ' .. changed) end
  local range = { start = { line = target.lnum, character = target.col }, ['end'] = { line = target.end_lnum, character = target.end_col } }
  local actions = request(buf, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) }, range = range,
    context = { diagnostics = { { range = range, message = target.message, source = 'unroll', code = target.code } } },
  }) or {}
  out.actions = {}
  for _, a in ipairs(actions) do table.insert(out.actions, a.title) end
  local fix = actions[1]
  if fix.edit then vim.lsp.util.apply_workspace_edit(fix.edit, 'utf-16')
  elseif fix.command then vim.lsp.buf.execute_command(type(fix.command) == 'table' and fix.command or fix) end
  vim.wait(5000, function() return text_of(buf):find('dense(dec, vocab)', 1, true) ~= nil end, 50)
  out.after_fix = vim.api.nvim_buf_get_lines(buf, find(buf, 'logits = '), find(buf, 'logits = ') + 1, false)[1]
end)

step('rename', function()
  local buf = vim.api.nvim_get_current_buf()
  local line, col = find(buf, 'dec, _ = lstm')
  local edit = request(buf, 'textDocument/rename', vim.tbl_extend('force', pos_params(buf, line, col), { newName = 'decoded' }))
  vim.lsp.util.apply_workspace_edit(edit, 'utf-16')
  local _, count = text_of(buf):gsub('decoded', '')
  out.renamed = count
end)

step('formatting', function()
  local buf = vim.api.nvim_get_current_buf()
  local edits = request(buf, 'textDocument/formatting', { textDocument = { uri = vim.uri_from_bufnr(buf) }, options = { tabSize = 2, insertSpaces = true } }) or {}
  vim.lsp.util.apply_text_edits(edits, buf, 'utf-16')
  out.formatted = text_of(buf)
  -- After the fix, the rename and formatting, the file is clean: the server re-checked every edit.
  vim.wait(10000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do if d.severity == vim.diagnostic.severity.ERROR then return false end end
    return true
  end, 50)
  out.final_diagnostics = errors_of(buf)
end)

vim.fn.writefile({ vim.fn.json_encode(out) }, vim.env.UNROLL_NVIM_OUT)
vim.cmd('qa!')

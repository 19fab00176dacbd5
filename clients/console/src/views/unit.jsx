// The responsible unit's desk (责任单位): the tasks dispatched to the unit and
// its teams, their deadlines and working time left; accept, return, ask for
// more time, resolve with "after" photos.
import { useState } from 'preact/hooks';
import { api } from '../../../shared/api.js';
import { t } from '../i18n.js';
import { catName, cityTime, listAll, pool, unitName } from '../util.js';
import { CaseDialog, ActionDialog, act } from '../CaseDetail.jsx';
import { useLoader, Loading, ErrorLine, Segmented, StateBadge, TimeLeft, toast, errorText } from '../ui.jsx';

export function TasksView({ me }) {
  const [filter, setFilter] = useState('todo');
  const [open, setOpen] = useState(null);
  const [dialog, setDialog] = useState(null);
  const q = useLoader(async () => {
    const lists = await Promise.all(['dispatched', 'in_progress', 'resolved'].map((s) => listAll(`/v1/cases?state=${s}`, 3)));
    const items = lists.flat();
    // Working time left is computed by the server on the working calendar: one GET per task.
    const details = await pool(items, 4, (x) => api('GET', `/v1/cases/${x.id}`).catch(() => null));
    return details.filter(Boolean).sort((a, b) => (Date.parse(a.due_at ?? 0) || Infinity) - (Date.parse(b.due_at ?? 0) || Infinity));
  }, [], { throttleMs: 800, pollMs: 60_000 });
  const all = q.data ?? [];
  const groups = {
    todo: all.filter((c) => c.state !== 'resolved'),
    dispatched: all.filter((c) => c.state === 'dispatched'),
    in_progress: all.filter((c) => c.state === 'in_progress'),
    resolved: all.filter((c) => c.state === 'resolved'),
    overdue: all.filter((c) => c.overdue),
  };
  const shown = groups[filter];
  const quick = async (c, action) => {
    try {
      await act(c, action, {});
      toast(`${t('action.' + action)} · #${c.id}`);
      q.reload();
    } catch (e) {
      toast(errorText(e), 'error');
      q.reload();
    }
  };
  return (
    <section class="pane wide" aria-labelledby="tasks-h">
      <div class="pane-head">
        <h1 id="tasks-h">{t('nav.tasks')} <small class="muted">{unitName(me.unit_id)}</small></h1>
        <Segmented label={t('filter')} value={filter} onChange={setFilter} options={[
          ['todo', t('tasks.todo'), groups.todo.length],
          ['dispatched', t('tasks.dispatched'), groups.dispatched.length],
          ['in_progress', t('tasks.in_progress'), groups.in_progress.length],
          ['resolved', t('tasks.resolved'), groups.resolved.length],
          ['overdue', t('overdue'), groups.overdue.length],
        ]} />
        <button type="button" onClick={q.reload}>{t('refresh')}</button>
      </div>
      <ErrorLine error={q.error} retry={q.reload} />
      {q.loading && !q.data ? <Loading /> : shown.length === 0 ? <p class="muted empty">{t('tasks.empty')}</p> : (
        <div class="table-wrap">
          <table class="grid" data-testid="tasks-table">
            <thead>
              <tr>
                <th scope="col">{t('caseNo')}</th><th scope="col">{t('category')}</th><th scope="col">{t('description')}</th>
                <th scope="col">{t('cell')}</th><th scope="col">{t('state')}</th><th scope="col">{t('dispatchedAt')}</th>
                <th scope="col">{t('dueAt')}</th><th scope="col">{t('workingLeft')}</th>
                <th scope="col"><span class="sr-only">{t('actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.id} data-case-id={c.id} data-state={c.state} class={c.overdue ? 'row-overdue' : ''}>
                  <td><button type="button" class="link" onClick={() => setOpen(c.id)}>#{c.id}</button></td>
                  <td>{catName(c.category)}{c.urgent && <span class="badge danger">{t('urgent')}</span>}</td>
                  <td class="desc">{c.description}</td>
                  <td>{c.cell.name}</td>
                  <td><StateBadge state={c.state} suspended={c.suspended} pending={c.extension_pending} overdue={c.overdue} /></td>
                  <td>{cityTime(c.dispatched_at)}</td>
                  <td>{cityTime(c.due_at)}</td>
                  <td data-testid="time-left"><TimeLeft c={c} /></td>
                  <td class="row-actions">
                    {c.allowed_actions.includes('accept') && <button type="button" class="primary" data-action="accept" onClick={() => quick(c, 'accept')}>{t('action.accept')}</button>}
                    {c.allowed_actions.includes('resolve') && <button type="button" class="primary" data-action="resolve" onClick={() => setDialog({ action: 'resolve', c })}>{t('action.resolve')}</button>}
                    {c.allowed_actions.includes('request-extension') && <button type="button" data-action="request-extension" onClick={() => setDialog({ action: 'request-extension', c })}>{t('action.request-extension')}</button>}
                    {c.allowed_actions.includes('return') && <button type="button" data-action="return" onClick={() => setDialog({ action: 'return', c })}>{t('action.return')}</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && <CaseDialog id={open} onClose={() => setOpen(null)} />}
      {dialog && <ActionDialog action={dialog.action} c={dialog.c} onClose={() => setDialog(null)}
        onDone={(next, message) => { setDialog(null); toast(message ?? t('done')); q.reload(); }} />}
    </section>
  );
}

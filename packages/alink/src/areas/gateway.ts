import { down, ENOS, GUIDE, NOTES, SESSION, SYS, topicArea, type TopicArea, up } from '../area.ts';

/** Gateways and their sub-devices (seed §9.2, §9.3, §9.4, §6). */
export const GATEWAY_DEFS = {
  topoAdd: up(`${SYS}/thing/topo/add`, 'thing.topo.add', 'both', `${GUIDE} §9.3; ${ENOS}`, { signed: true }),
  topoDelete: up(`${SYS}/thing/topo/delete`, 'thing.topo.delete', 'both', `${GUIDE} §9.3; ${ENOS}`),
  topoGet: up(`${SYS}/thing/topo/get`, 'thing.topo.get', 'both', `${GUIDE} §9.3; ${ENOS}`),
  topoChange: down(`${SYS}/thing/topo/change`, 'thing.topo.change', 'alibaba', NOTES),
  listFound: up(`${SYS}/thing/list/found`, 'thing.list.found', 'alibaba', `${GUIDE} §9.3`),
  topoAddNotify: down(`${SYS}/thing/topo/add/notify`, 'thing.topo.add.notify', 'alibaba', `${GUIDE} §9.3`),
  subRegister: up(`${SYS}/thing/sub/register`, 'thing.sub.register', 'alibaba', `${GUIDE} §9.2`),
  proxyProvisioning: up(`${SYS}/thing/proxy/provisioning/product_register`, 'thing.proxy.provisioning.product_register', 'alibaba', NOTES, { signed: true }),
  combineLogin: up(`${SESSION}/combine/login`, 'combine.login', 'both', `${GUIDE} §9.4, §6; ${ENOS}`, { signed: true }),
  combineLogout: up(`${SESSION}/combine/logout`, 'combine.logout', 'both', `${GUIDE} §9.4, §6; ${ENOS}`),
  combineBatchLogin: up(`${SESSION}/combine/batch_login`, 'combine.batch_login', 'alibaba', NOTES, { signed: true }),
  combineBatchLogout: up(`${SESSION}/combine/batch_logout`, 'combine.batch_logout', 'alibaba', NOTES),
};

export const GATEWAY_AREA: TopicArea = topicArea(GATEWAY_DEFS);

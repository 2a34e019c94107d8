package demo

import "yima/catalog"

// The word lists below are read-only tables; generation only indexes them.

// surnames are common Chinese surnames, the most frequent first (pickSkewed
// favours the front), with the ones typical of Shanghai (陆, 顾, 沈, 钱…)
// among them.
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
	"徐", "孙", "朱", "胡", "沈", "陆", "顾", "郭", "何", "高",
	"林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
	"邓", "曹", "彭", "曾", "钱", "蒋", "蔡", "姚", "金", "汪",
	"施", "范", "倪", "龚", "严", "戴", "夏", "袁", "潘", "杜",
	"叶", "程", "魏", "苏", "吕", "丁", "任", "卢", "邵", "俞",
	"方", "孔", "薛", "瞿", "秦", "葛", "毛", "季", "钟", "欧阳",
}

// Given-name characters, by the sex they are usually given to, plus neutral
// ones used for both.
var (
	givenMale    = []string{"伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "俊", "峰", "浩", "鹏", "辉", "健", "刚", "建", "国", "华", "志", "宇", "晨", "昊", "博", "睿", "振", "海", "东", "平"}
	givenFemale  = []string{"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "琳", "颖", "倩", "佳", "蕾", "洁", "燕", "玲", "萍", "红", "梅", "慧", "莉", "怡", "欣", "悦", "雯", "晓", "璐", "菁"}
	givenNeutral = []string{"文", "安", "子", "一", "嘉", "思", "雨", "天", "正", "春", "秋", "益", "云", "立", "家", "成", "凯", "宁", "诚", "晶"}
)

// mobilePrefixes are mainland mobile number blocks (1[3-9]x).
var mobilePrefixes = []string{
	"130", "131", "132", "133", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"166", "173", "176", "177", "180", "181", "182", "183", "185",
	"186", "187", "188", "189", "191", "198", "199",
}

// categories is the platform's fixed list of service categories, in the
// order the platform shows them.
var categories = catalog.ServiceCategories()

// Political statuses (政治面貌), as registration accepts them.
const (
	politicalMasses    = catalog.PoliticalMasses
	politicalLeague    = catalog.PoliticalLeague
	politicalParty     = catalog.PoliticalParty
	politicalProbation = catalog.PoliticalProbation
	politicalDemocrat  = catalog.PoliticalDemocrat
)

// Sign-in method sets a position may carry; an empty set allows both.
var signInMethodSets = [][]string{{}, {"staff_scan"}, {"self_scan"}, {"staff_scan", "self_scan"}}

// projectTemplate describes one kind of volunteer project. In title,
// description and venue, {street} stands for the street's name (天平路街道),
// {community} for the community's name or, for a street org, the street's,
// and {district} for the district's.
type projectTemplate struct {
	title       string
	description string
	venue       string
	categories  []string
	positions   []string // names of up to four positions, in order
	hours       int      // typical length of one shift
}

var projectTemplates = []projectTemplate{
	{"{street}社区垃圾分类指导", "在{community}各垃圾箱房定时定点投放时段，指导居民正确分类投放，劝导混投行为，宣传“湿垃圾不落地”。", "{community}垃圾箱房",
		[]string{"环境保护", "社区服务"}, []string{"分类指导员", "宣传讲解员", "巡查记录员"}, 3},
	{"{street}轨交站点文明引导", "早晚高峰在辖区轨道交通站点出入口和站厅引导乘客有序排队、先下后上，协助老人和外地游客购票问路。", "{street}轨道交通站点",
		[]string{"文明交通"}, []string{"站厅引导员", "站台秩序员", "问询服务员"}, 3},
	{"进博会城市志愿者服务站（{street}）", "中国国际进口博览会期间在城市志愿者服务站提供信息咨询、应急救助和语言翻译服务，展示城市文明形象。", "{street}城市志愿者服务站",
		[]string{"大型赛会", "文明交通"}, []string{"信息咨询员", "外语翻译", "应急救助员", "站点后勤"}, 6},
	{"{street}敬老院陪伴", "走进辖区敬老院陪伴老人聊天、读报、下棋，协助护理员开展生日会和文艺表演。", "{street}敬老院",
		[]string{"助老助残"}, []string{"陪伴志愿者", "文艺表演", "活动协助"}, 3},
	{"{district}图书馆整理", "协助图书馆整理归架图书、引导读者借阅，在少儿阅览区开展绘本共读。", "{district}图书馆",
		[]string{"文化教育"}, []string{"图书整理员", "读者引导员", "绘本领读员"}, 4},
	{"上海马拉松赛道服务（{street}段）", "在赛道沿线补给站和医疗点为选手提供饮水、能量补给和秩序维护，协助医护人员救助。", "{street}赛道沿线",
		[]string{"大型赛会", "医疗卫生"}, []string{"补给站服务员", "赛道秩序员", "医疗协助员", "终点服务"}, 6},
	{"{street}防汛宣传", "汛期前入户宣传防汛防台知识，排查低洼小区和地下车库隐患，发放应急物资清单。", "{community}",
		[]string{"应急救援", "社区服务"}, []string{"宣传员", "隐患巡查员"}, 3},
	{"{community}关爱独居老人上门探访", "定期上门探访辖区独居和高龄老人，了解生活需求，帮助联系助餐、助浴和家庭医生服务。", "{community}",
		[]string{"助老助残", "社区服务"}, []string{"探访志愿者", "需求登记员"}, 2},
	{"{street}社区健康义诊协助", "协助社区卫生服务中心开展义诊、测血压血糖和健康咨询，维护现场秩序并登记信息。", "{street}社区卫生服务中心",
		[]string{"医疗卫生"}, []string{"导诊员", "秩序维护员", "信息登记员"}, 4},
	{"{street}路口文明交通劝导", "在辖区主要路口劝导行人和非机动车遵守信号灯、不逆行、不越线，倡导礼让斑马线。", "{street}主要路口",
		[]string{"文明交通"}, []string{"路口劝导员", "宣传员"}, 2},
	{"{community}楼道清洁行动", "清理楼道堆物和小广告，整治绿化带卫生死角，营造整洁有序的居住环境。", "{community}",
		[]string{"环境保护", "社区服务"}, []string{"清洁志愿者", "宣传动员员"}, 3},
	{"{street}青少年课后学业辅导", "为辖区双职工家庭和困难家庭的中小学生提供课后作业辅导和阅读陪伴。", "{street}社区学校",
		[]string{"文化教育"}, []string{"学业辅导员", "阅读陪伴员"}, 2},
	{"{district}无偿献血服务", "在献血屋和流动献血车旁引导献血者填表、休息，宣传无偿献血知识。", "{district}献血服务点",
		[]string{"医疗卫生"}, []string{"引导员", "登记协助员", "宣传员"}, 4},
	{"{street}应急救护知识普及", "配合红十字会讲解心肺复苏和AED使用，组织居民现场练习，普及应急救护常识。", "{street}社区党群服务中心",
		[]string{"应急救援", "医疗卫生"}, []string{"宣讲员", "演示助教"}, 3},
	{"{street}反诈宣传进社区", "走进小区和菜场发放反诈宣传资料，帮助老年居民安装国家反诈中心APP并识别常见骗局。", "{community}",
		[]string{"社区服务"}, []string{"宣传员", "APP安装指导员"}, 3},
	{"{community}助老智能手机课堂", "手把手教老年人使用健康码、随申办、网上挂号和视频通话，跨越数字鸿沟。", "{community}活动室",
		[]string{"助老助残", "文化教育"}, []string{"课堂讲师", "一对一辅导员"}, 2},
	{"{district}博物馆讲解服务", "经培训后在展厅为观众提供定点讲解和咨询，协助维持参观秩序。", "{district}博物馆",
		[]string{"文化教育"}, []string{"讲解员", "咨询引导员"}, 4},
	{"{street}河道巡护", "沿辖区河道巡查漂浮物、违法排污和乱倒垃圾，记录问题并报告河长办。", "{street}辖区河道",
		[]string{"环境保护"}, []string{"巡河员", "记录员"}, 3},
	{"{district}城市志愿者服务站值守", "在城市志愿者服务站提供问路指引、便民物品借用和应急救助，展示“上海志愿者”形象。", "{district}城市志愿者服务站",
		[]string{"社区服务", "文明交通"}, []string{"值守志愿者", "外语服务"}, 4},
	{"{street}消防安全隐患排查", "协助消防站和物业排查楼道电动自行车充电、堵塞消防通道等隐患，宣传家庭防火知识。", "{community}",
		[]string{"应急救援", "社区服务"}, []string{"排查员", "宣传员"}, 3},
	{"{community}邻里节活动服务", "筹办邻里节百家宴、跳蚤市场和文艺演出，负责场地布置、签到和秩序维护。", "{community}",
		[]string{"社区服务", "文化教育"}, []string{"场地布置", "签到接待", "秩序维护", "摄影记录"}, 4},
	{"{street}助残康复陪伴", "陪伴阳光之家学员开展康复训练和手工活动，协助家属做好日常照护。", "{street}阳光之家",
		[]string{"助老助残"}, []string{"康复陪伴员", "手工助教"}, 3},
}
